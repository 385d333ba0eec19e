import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import { RagError } from '../core/errors.js';
import { readJsonLines } from './json-lines.js';
import { Rag } from '../rag.js';
import { runBatch, type BatchFailure, type BatchProgress, type SubmissionRow } from './batch-runner.js';
import { brierScore, confidenceBuckets, expectedCalibrationError, riskCoverage, type Bucket } from './calibration.js';
import { mean, percentile } from './metrics.js';
import type { Judgement, LlmJudge } from './llm-judge.js';
import { bestOver, exactMatch, f1Score, subExactMatch, wordRecall } from './qa-metrics.js';

interface QaItem {
  id: string;
  question: string;
  answers: string[];
  /** Category labels from the query's metadata (e.g. DataMorgana's), for per-category scores. */
  categories: Record<string, string>;
}

export interface QaScores {
  count: number;
  em: number;
  f1: number;
  acc: number;
  /** Share of the reference answer's words found in the answer (long-form answers). */
  word_recall: number;
}

export interface QaReport {
  dataset: string;
  pipeline: string;
  questions: number;
  answered: number;
  failed: number;
  scores: QaScores;
  /** Scores per value of each category field, when the dataset has categories. */
  categories: Record<string, Record<string, QaScores>>;
  calibration: {
    /** What counts as correct for calibration: acc (sub-EM). */
    correctness: 'acc';
    buckets: Bucket[];
    risk_coverage: Array<{ coverage: number; accuracy: number }>;
    /** Accuracy of the most confident half of the answers, against all of them. */
    top_half_accuracy: number;
    /** Expected calibration error over 10 bins: how far confidence is from the accuracy it predicts (0 is best). */
    ece: number;
    /** Mean squared gap between confidence and correctness (0 is best). */
    brier: number;
  };
  latency_ms: { p50: number; p95: number };
  /** For an ensemble: each member's scores and calibration over the same questions (its own answer and confidence). */
  members?: Record<string, QaScores & { top_half_accuracy: number; ece: number }>;
  failures: BatchFailure[];
  /** LiveRAG's LLM-judged correctness (-1..2) and faithfulness (-1..1), when a judge was asked for. */
  judge?: { correctness: number; faithfulness: number; judged: number; failed: number };
  /** Mean start and duration of each stage over the answered questions (a typical request's waterfall). */
  stages: Array<{ name: string; at: number; ms: number }>;
  /** Each answered question's scores, confidence and time, for reports. */
  per_question: Array<{ id: string; answer: string; gold: string[]; f1: number; acc: number; confidence: number; time_ms: number; members?: Array<{ pipeline: string; answer: string; confidence: number }> }>;
}

/** Queries (`_id`, `text`, `metadata`) and reference answers (`answers.jsonl`) of a QA dataset folder. */
function loadQa(dir: string): { items: QaItem[]; corpusPath: string } {
  const queriesPath = join(dir, 'queries.jsonl');
  const answersPath = join(dir, 'answers.jsonl');
  for (const p of [queriesPath, answersPath]) if (!existsSync(p)) throw new RagError('NOT_FOUND', `not a QA dataset folder: ${p} is missing`);
  const answers = new Map<string, string[]>();
  for (const { row: r } of readJsonLines(answersPath)) {
    const row = r as { _id?: unknown; id?: unknown; answers?: unknown };
    if (Array.isArray(row.answers)) answers.set(String(row._id ?? row.id), row.answers.filter((a): a is string => typeof a === 'string'));
  }
  const items: QaItem[] = [];
  for (const { row: r } of readJsonLines(queriesPath)) {
    const row = r as { _id?: unknown; id?: unknown; text?: unknown; metadata?: Record<string, unknown> };
    const id = String(row._id ?? row.id);
    const gold = answers.get(id);
    if (!gold || typeof row.text !== 'string') continue;
    const categories: Record<string, string> = {};
    for (const [k, v] of Object.entries(row.metadata ?? {})) if (typeof v === 'string' && k !== 'answer' && v.length <= 40) categories[k] = v;
    items.push({ id, question: row.text, answers: gold, categories });
  }
  if (items.length === 0) throw new RagError('BAD_REQUEST', `nothing to evaluate in ${dir}: no question of queries.jsonl has an answer in answers.jsonl`);
  return { items, corpusPath: join(dir, 'corpus.jsonl') };
}

function scoreRows(rows: Array<{ answer: string; gold: string[] }>): QaScores {
  return {
    count: rows.length,
    em: round(mean(rows.map((r) => bestOver(r.gold, (g) => exactMatch(r.answer, g))))),
    f1: round(mean(rows.map((r) => bestOver(r.gold, (g) => f1Score(r.answer, g))))),
    acc: round(mean(rows.map((r) => bestOver(r.gold, (g) => subExactMatch(r.answer, g))))),
    word_recall: round(mean(rows.map((r) => bestOver(r.gold, (g) => wordRecall(r.answer, g))))),
  };
}

const round = (x: number): number => Number(x.toFixed(4));

/** The most confident half of the answers (at least one). */
function topHalf<T extends { confidence: number }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => b.confidence - a.confidence).slice(0, Math.max(1, Math.floor(items.length / 2)));
}

export interface QaEvalOptions {
  pipeline?: string;
  /** Answer with this ensemble: its scores and each member's. */
  ensemble?: string;
  /** Score this submission file instead of answering the questions. */
  answersFile?: string;
  limit?: number;
  concurrency?: number;
  onProgress?: (p: BatchProgress) => void;
  /** Grade every answer with LiveRAG's rubric through this judge (an LLM). */
  judge?: LlmJudge;
}

/**
 * Answers a QA dataset's questions over its pooled corpus (indexed into a fresh temporary store), or scores an
 * existing submission file, with EM, F1, acc and word recall, per category, and the calibration of confidence.
 */
export async function evaluateQa(config: Config, dir: string, options: QaEvalOptions = {}): Promise<QaReport> {
  const { items: all, corpusPath } = loadQa(dir);
  const items = options.limit ? all.slice(0, options.limit) : all;
  const rows: SubmissionRow[] = [];
  const failures: BatchFailure[] = [];
  let pipeline = options.ensemble ?? options.pipeline ?? config.defaultPipeline;
  if (options.answersFile) {
    const wanted = new Set(items.map((i) => i.id));
    for (const { row: r } of readJsonLines(options.answersFile)) {
      const row = r as SubmissionRow;
      if (wanted.has(row.id)) rows.push(row);
    }
    if (rows.length === 0) {
      throw new RagError('BAD_REQUEST', `no row of ${options.answersFile} answers a question of ${dir} (a submission file from \`rag batch\` has "id" and "answer")`);
    }
    pipeline = rows[0]?.pipeline ?? pipeline;
  } else {
    const tmp = mkdtempSync(join(tmpdir(), 'rag-qa-'));
    const rag = new Rag({ ...config, store: { path: join(tmp, 'qa.db') }, cache: { ...config.cache, enabled: false } });
    try {
      await rag.ingestPaths([corpusPath], { batchSize: 1000 });
      rag.warm();
      const batchOptions = {
        concurrency: options.concurrency ?? 1,
        timeoutMs: config.server.requestTimeoutMs,
        onRow: (r: SubmissionRow) => rows.push(r),
        onFailure: (f: BatchFailure) => failures.push(f),
        ...(options.pipeline ? { pipeline: options.pipeline } : {}),
        ...(options.ensemble ? { ensemble: options.ensemble } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      };
      await runBatch(rag, items.map((i) => ({ id: i.id, question: i.question })), batchOptions);
    } finally {
      await rag.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  const byId = new Map(items.map((i) => [i.id, i]));
  const scored = rows.flatMap((r) => {
    const item = byId.get(r.id);
    return item ? [{ row: r, item, answer: r.answer, gold: item.answers }] : [];
  });
  const categories: Record<string, Record<string, QaScores>> = {};
  const fields = new Set(scored.flatMap((s) => Object.keys(s.item.categories)));
  for (const field of fields) {
    const groups = new Map<string, typeof scored>();
    for (const s of scored) {
      const value = s.item.categories[field];
      if (value === undefined) continue;
      groups.set(value, [...(groups.get(value) ?? []), s]);
    }
    categories[field] = Object.fromEntries([...groups].map(([v, g]) => [v, scoreRows(g)]));
  }
  const calibrationItems = scored.map((s) => ({
    confidence: s.row.confidence,
    correct: bestOver(s.gold, (g) => subExactMatch(s.answer, g)),
  }));
  const half = topHalf(calibrationItems);
  const memberNames = [...new Set(scored.flatMap((s) => (s.row.members ?? []).map((m) => m.pipeline)))];
  const members = Object.fromEntries(
    memberNames.map((name) => {
      const answered = scored.flatMap((s) => {
        const m = s.row.members?.find((x) => x.pipeline === name);
        return m ? [{ answer: m.answer, gold: s.gold, confidence: m.confidence }] : [];
      });
      const items = answered.map((a) => ({ confidence: a.confidence, correct: bestOver(a.gold, (g) => subExactMatch(a.answer, g)) }));
      return [name, { ...scoreRows(answered), top_half_accuracy: round(mean(topHalf(items).map((h) => h.correct))), ece: round(expectedCalibrationError(items)) }];
    }),
  );
  const latency = scored.map((s) => s.row.time_ms);
  let judge: QaReport['judge'];
  if (options.judge) {
    const grades: Array<Judgement | null> = [];
    const judgeWith = options.judge;
    let next = 0;
    // A few at a time: the judge's server has its own concurrency cap too.
    await Promise.all(
      Array.from({ length: Math.max(1, options.concurrency ?? 2) }, async () => {
        while (next < scored.length) {
          const s = scored[next++] as (typeof scored)[number];
          grades.push(
            await judgeWith.judge({ question: s.item.question, answer: s.answer, reference: s.gold[0] ?? '', passages: s.row.passages.map((p) => p.passage) }),
          );
        }
      }),
    );
    const ok = grades.filter((g): g is Judgement => g !== null);
    judge = {
      correctness: round(mean(ok.map((g) => g.correctness))),
      faithfulness: round(mean(ok.map((g) => g.faithfulness))),
      judged: ok.length,
      failed: grades.length - ok.length,
    };
  }
  return {
    dataset: dir,
    pipeline,
    questions: items.length,
    answered: scored.length,
    failed: failures.length,
    scores: scoreRows(scored),
    categories,
    calibration: {
      correctness: 'acc',
      buckets: confidenceBuckets(calibrationItems),
      risk_coverage: riskCoverage(calibrationItems),
      top_half_accuracy: round(mean(half.map((h) => h.correct))),
      ece: round(expectedCalibrationError(calibrationItems)),
      brier: round(brierScore(calibrationItems)),
    },
    latency_ms: { p50: round(percentile(latency, 50)), p95: round(percentile(latency, 95)) },
    ...(memberNames.length > 0 ? { members } : {}),
    failures,
    ...(judge ? { judge } : {}),
    stages: meanStages(scored.map((s) => s.row.stages ?? [])),
    per_question: scored.map((s) => ({
      id: s.row.id,
      answer: s.answer,
      gold: s.gold,
      f1: round(bestOver(s.gold, (g) => f1Score(s.answer, g))),
      acc: bestOver(s.gold, (g) => subExactMatch(s.answer, g)),
      confidence: s.row.confidence,
      time_ms: s.row.time_ms,
      ...(s.row.members ? { members: s.row.members.map((m) => ({ pipeline: m.pipeline, answer: m.answer, confidence: m.confidence })) } : {}),
    })),
  };
}

/** The mean start and duration of each stage name over many traces (stages a request lacks are left out of its mean). */
function meanStages(traces: Array<Array<{ name: string; at: number; ms: number }>>): Array<{ name: string; at: number; ms: number }> {
  const sums = new Map<string, { at: number; ms: number; n: number }>();
  for (const trace of traces) {
    for (const s of trace) {
      const sum = sums.get(s.name) ?? { at: 0, ms: 0, n: 0 };
      sum.at += s.at;
      sum.ms += s.ms;
      sum.n++;
      sums.set(s.name, sum);
    }
  }
  return [...sums].map(([name, s]) => ({ name, at: round(s.at / s.n), ms: round(s.ms / s.n) }));
}
