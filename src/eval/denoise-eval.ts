import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import { RagError } from '../core/errors.js';
import { readJsonLines } from './json-lines.js';
import { Rag } from '../rag.js';

export interface DenoiseEvalReport {
  questions: number;
  /** Questions whose reference differs from the question (the reference system changed something). */
  reference_changed: number;
  /** Our corrected text equals the reference exactly. */
  exact_match: number;
  /** Equal after lower-casing and dropping punctuation (the reference also fixes case and punctuation). */
  normalized_match: number;
  /** Questions we changed, and the corrections we made. */
  corrected_questions: number;
  corrections: number;
  /** The same two matches for the questions left as typed: what correcting adds over doing nothing. */
  unchanged_exact_match: number;
  unchanged_normalized_match: number;
  /** Every question we changed, with the reference, so that the corrections can be read one by one. */
  changes: Array<{ question: string; corrected: string; reference: string; corrections: Array<{ from: string; to: string }> }>;
}

const loose = (s: string): string => s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

/**
 * How often the planner's corrected question equals a reference correction (LiveRAG noisy questions: rows
 * `{question, corrected_question}`), with the vocabulary of an index built from `corpusPaths`. Information only:
 * the reference is one LLM's rewrite, which also adds articles and fixes grammar.
 */
export async function evaluateDenoising(config: Config, questionsPath: string, corpusPaths: string[]): Promise<DenoiseEvalReport> {
  const rows = readJsonLines(questionsPath).map(({ line, row }) => {
    // A line of JSON that is not an object (null, a list) is a wrong row too, not a TypeError.
    const r = (row !== null && typeof row === 'object' ? row : {}) as { question?: unknown; corrected_question?: unknown };
    if (typeof r.question !== 'string' || typeof r.corrected_question !== 'string') {
      throw new RagError('BAD_REQUEST', `${questionsPath}:${line}: needs "question" and "corrected_question" strings`);
    }
    return { question: r.question, reference: r.corrected_question };
  });
  if (rows.length === 0) throw new RagError('BAD_REQUEST', `${questionsPath} holds no questions`);
  const dir = mkdtempSync(join(tmpdir(), 'rag-eval-'));
  const rag = new Rag({ ...config, store: { path: join(dir, 'eval.db') }, query: { ...config.query, decompose: false } });
  try {
    await rag.ingestPaths(corpusPaths, { batchSize: 1000 });
    rag.warm();
    const report: DenoiseEvalReport = {
      questions: rows.length,
      reference_changed: 0,
      exact_match: 0,
      normalized_match: 0,
      corrected_questions: 0,
      corrections: 0,
      unchanged_exact_match: 0,
      unchanged_normalized_match: 0,
      changes: [],
    };
    for (const row of rows) {
      const plan = rag.planner.rulePlan(row.question);
      if (row.reference !== row.question) report.reference_changed++;
      if (plan.corrected === row.reference) report.exact_match++;
      if (loose(plan.corrected) === loose(row.reference)) report.normalized_match++;
      if (row.question === row.reference) report.unchanged_exact_match++;
      if (loose(row.question) === loose(row.reference)) report.unchanged_normalized_match++;
      if (plan.corrections.length > 0) {
        report.corrected_questions++;
        report.changes.push({ question: row.question, corrected: plan.corrected, reference: row.reference, corrections: plan.corrections });
      }
      report.corrections += plan.corrections.length;
    }
    return report;
  } finally {
    rag.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
