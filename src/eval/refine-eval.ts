import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { analyze, isStopWord } from '../core/analyzer.js';
import type { Config } from '../core/config.js';
import { RagError } from '../core/errors.js';
import { RunContext } from '../core/run-context.js';
import { TextMemo } from '../core/text-memo.js';
import type { DocumentInput, Passage, ScoredChunk } from '../core/types.js';
import { selectWithinBudget } from '../refiner/budget-selector.js';
import { createRefiner } from '../refiner/create-refiner.js';
import type { HierarchicalRefiner } from '../refiner/hierarchical-refiner.js';
import type { RefineDocument } from '../refiner/refine-tree.js';
import type { TermStatistics } from '../refiner/term-statistics.js';
import { createReranker } from '../rerankers/create-reranker.js';
import { LexicalReranker } from '../rerankers/lexical-reranker.js';
import type { Reranker } from '../rerankers/reranker.js';
import { Bm25Index } from '../retrievers/bm25-index.js';
import { Bm25Retriever } from '../retrievers/bm25-retriever.js';
import { documentFromRow, readDocumentBatches } from '../store/document-sources.js';
import { Chunker } from '../store/chunker.js';
import { Ingestor } from '../store/ingestor.js';
import { structureOf } from '../store/rule-structure.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { mean, percentile } from './metrics.js';
import { normalizeAnswer } from '../core/answer-text.js';
import { bestOver, subExactMatch } from './qa-metrics.js';
import { readJsonLines } from './json-lines.js';
import { withoutBom } from '../core/invisible-marks.js';

export type RefineDatasetKind = 'hotpotqa' | 'liverag' | 'wiki-docs';

export interface RefineScores {
  /** Share of questions whose gold answer occurs in the context (HotpotQA: yes/no questions left out; wiki-docs). */
  answer_recall?: number;
  /** Share of the supporting paragraphs the context draws on (HotpotQA). */
  support_recall?: number;
  /** Share of the reference answer's content words the context holds (LiveRAG). */
  answer_word_recall?: number;
  /** Mean tokens of the context. */
  tokens: number;
}

export interface RefineEvalReport {
  dataset: string;
  kind: RefineDatasetKind;
  questions: number;
  /** Questions the answer recall is over (HotpotQA leaves yes/no answers out). */
  answer_questions: number;
  scorer: string;
  tokenizer: string;
  budgets: Array<{ budget: number; refiner: RefineScores; baseline: RefineScores }>;
  /** Time of the refiner per question (all budgets' runs pooled), milliseconds. */
  refine_ms: { p50: number; p95: number };
  mean_alpha: number;
  /** Tokens of the documents the refiner read, per question. */
  mean_tokens_in: number;
  /** Plain-text structuring: documents, and those with more than one section. */
  structure?: { documents: number; multi_section: number };
}

export interface RefineEvalOptions {
  budgets: number[];
  limit?: number;
  /** For sets that carry no answers in their files (the wiki-docs fixture): the gold answers. */
  answers?: string[];
  /** Documents refined per LiveRAG question (its top retrieved ones). */
  topDocuments?: number;
  /** Called once the questions are loaded (done 0) and after each question refined, over all budgets. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * The smallest token budget: the HTTP API's `contextTokens` minimum. Below it a context holds a sentence or two at
 * most (and 0 holds nothing), so both sides would score 0 and the comparison say nothing.
 */
export const MIN_REFINE_BUDGET = 32;

interface Question {
  id: string;
  text: string;
  answers: string[];
  /** Supporting documents (HotpotQA). */
  support: string[];
  documents: RefineDocument[];
  /** BM25-ranked chunks of the question's documents or corpus: the baseline's input. */
  chunks: ScoredChunk[];
}

/**
 * Compares the hierarchical refiner with the baseline (BM25-ranked chunks cut to the same budget) on three kinds
 * of data: HotpotQA-style sets (`distractor_contexts.jsonl`: each question's own paragraphs), LiveRAG-style sets
 * (the top documents retrieved from the corpus, with `distractors_*.jsonl.gz` added), and the LongRefiner wiki
 * fixture (`docs.json`: a question and its long articles). Both sides count tokens with the refiner's counter.
 */
export async function evaluateRefiner(config: Config, dir: string, options: RefineEvalOptions): Promise<RefineEvalReport> {
  const small = options.budgets.filter((b) => !(Number.isInteger(b) && b >= MIN_REFINE_BUDGET));
  if (options.budgets.length === 0 || small.length > 0) {
    throw new RagError('BAD_REQUEST', `token budgets must be whole numbers of at least ${MIN_REFINE_BUDGET}; got ${options.budgets.length === 0 ? 'none' : small.join(', ')}`);
  }
  const kind = datasetKind(dir);
  const memo = new TextMemo(200_000);
  const rerankers = new Map<string, Reranker>([['lexical', new LexicalReranker(memo)]]);
  if (config.refiner.scorer !== 'lexical') {
    const rc = config.rerankers[config.refiner.scorer];
    if (!rc) throw new RagError('CONFIG', `refiner.scorer: no reranker "${config.refiner.scorer}"`);
    const r = createReranker(config.refiner.scorer, rc);
    await r.load();
    rerankers.set(config.refiner.scorer, r);
  }
  // Both sides weigh terms alike: LiveRAG's baseline ranks with the corpus index's statistics, so the refiner gets
  // them too (known once the corpus is loaded); HotpotQA's and the wiki fixture's rank among the question's own
  // documents, and so does the refiner (no statistics: its request's).
  let stats: TermStatistics | undefined;
  const refiner = await createRefiner(config.refiner, { rerankers, memo, terms: () => stats });
  const tokenizer = refinerTokenizer(refiner);
  const work = mkdtempSync(join(tmpdir(), 'rag-refine-eval-'));
  try {
    const loaded = await loadQuestions(kind, dir, config, work, options);
    stats = loaded.stats;
    const questions = options.limit !== undefined ? loaded.questions.slice(0, options.limit) : loaded.questions;
    const times: number[] = [];
    const alphas: number[] = [];
    const tokensIn: number[] = [];
    const answerable = questions.filter((q) => q.answers.some((a) => !/^(yes|no)$/i.test(a.trim())));
    const budgets = [];
    const total = questions.length * options.budgets.length;
    let done = 0;
    options.onProgress?.(0, total);
    for (const budget of options.budgets) {
      const ref: Passage[][] = [];
      const base: Passage[][] = [];
      for (const q of questions) {
        const ctx = new RunContext();
        const t0 = performance.now();
        const r = await refiner.refine(q.text, q.documents, budget, ctx);
        times.push(performance.now() - t0);
        alphas.push(r.alpha);
        tokensIn.push(r.tokensIn);
        ref.push(r.passages);
        base.push(selectWithinBudget(q.chunks, budget, (c) => tokenizer(c.text)));
        options.onProgress?.(++done, total);
      }
      budgets.push({ budget, refiner: scoresOf(kind, questions, ref), baseline: scoresOf(kind, questions, base) });
    }
    const round = (x: number, d = 4): number => Number(x.toFixed(d));
    const report: RefineEvalReport = {
      dataset: dir,
      kind,
      questions: questions.length,
      answer_questions: kind === 'liverag' ? 0 : answerable.length,
      scorer: config.refiner.scorer,
      tokenizer: config.refiner.tokenizerPath ?? 'estimate',
      budgets,
      refine_ms: { p50: round(percentile(times, 50), 3), p95: round(percentile(times, 95), 3) },
      mean_alpha: round(mean(alphas), 3),
      mean_tokens_in: Math.round(mean(tokensIn)),
    };
    if (loaded.structure) report.structure = loaded.structure;
    return report;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function refinerTokenizer(refiner: HierarchicalRefiner): (text: string) => number {
  return (text) => refiner.countTokens(text);
}

export function datasetKind(dir: string): RefineDatasetKind {
  if (existsSync(join(dir, 'distractor_contexts.jsonl'))) return 'hotpotqa';
  if (existsSync(join(dir, 'docs.json'))) return 'wiki-docs';
  if (existsSync(join(dir, 'corpus.jsonl')) && existsSync(join(dir, 'answers.jsonl'))) return 'liverag';
  throw new RagError('NOT_FOUND', `${dir}: not a refinement dataset (distractor_contexts.jsonl, docs.json, or corpus.jsonl with answers.jsonl)`);
}

function scoresOf(kind: RefineDatasetKind, questions: Question[], contexts: Passage[][]): RefineScores {
  const round = (x: number): number => Number(x.toFixed(4));
  const text = (ps: Passage[]): string => ps.map((p) => `${p.title ?? ''}\n${p.text}`).join('\n\n');
  const out: RefineScores = { tokens: Math.round(mean(contexts.map((ps) => ps.reduce((s, p) => s + p.tokens, 0)))) };
  if (kind === 'liverag') {
    out.answer_word_recall = round(mean(questions.map((q, i) => contentWordRecall(text(contexts[i] ?? []), q.answers[0] ?? ''))));
    return out;
  }
  const answerable = questions.map((q, i) => ({ q, ps: contexts[i] ?? [] })).filter(({ q }) => q.answers.some((a) => !/^(yes|no)$/i.test(a.trim())));
  out.answer_recall = round(mean(answerable.map(({ q, ps }) => bestOver(q.answers, (a) => subExactMatch(text(ps), a)))));
  if (kind === 'hotpotqa') {
    out.support_recall = round(mean(questions.map((q, i) => {
      const used = new Set((contexts[i] ?? []).map((p) => p.docId));
      return q.support.length === 0 ? 0 : q.support.filter((d) => used.has(d)).length / q.support.length;
    })));
  }
  return out;
}

/** Share of the reference's distinct content words (normalised, stop words left out, stemmed) in the context. */
export function contentWordRecall(context: string, reference: string): number {
  const ref = new Set(analyze(normalizeAnswer(reference)).filter((w) => !isStopWord(w)));
  if (ref.size === 0) return 0;
  const have = new Set(analyze(normalizeAnswer(context)));
  let found = 0;
  for (const w of ref) if (have.has(w)) found++;
  return found / ref.size;
}

/** The rows of a JSONL file: a line that is not JSON stops with the file and line named (a byte order mark dropped). */
const readJsonl = (path: string): unknown[] => readJsonLines(path).map(({ row }) => row);

interface Loaded {
  questions: Question[];
  /** Term statistics of the corpus the baseline's ranking used, when it used one. */
  stats?: TermStatistics;
  structure?: { documents: number; multi_section: number };
}

async function loadQuestions(kind: RefineDatasetKind, dir: string, config: Config, work: string, options: RefineEvalOptions): Promise<Loaded> {
  const chunker = new Chunker(config.chunking);
  if (kind === 'hotpotqa') {
    const corpus = new Map<string, DocumentInput>();
    for (const row of readJsonl(join(dir, 'corpus.jsonl'))) {
      const doc = documentFromRow(row, 'corpus.jsonl');
      corpus.set(doc.id, doc);
    }
    const answers = answerMap(join(dir, 'answers.jsonl'));
    const support = new Map<string, string[]>();
    // As the BEIR loader reads qrels: the header skipped only when there is one (a file without it lost its first
    // judgement), and only a grade above 0 is a supporting paragraph.
    readFileSync(join(dir, 'qrels', 'test.tsv'), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const [q, d, grade] = line.trim().split('\t');
        if (!q || !d || (i === 0 && q === 'query-id') || !(Number(grade) > 0)) return;
        support.set(q, [...(support.get(q) ?? []), d]);
      });
    const texts = new Map((readJsonl(join(dir, 'queries.jsonl')) as Array<{ _id: string; text: string }>).map((q) => [q._id, q.text]));
    const questions: Question[] = [];
    const contextsPath = join(dir, 'distractor_contexts.jsonl');
    for (const { line, row: r } of readJsonLines(contextsPath)) {
      const row = (r ?? {}) as { _id?: unknown; paragraph_ids?: unknown };
      if (typeof row._id !== 'string' || !Array.isArray(row.paragraph_ids) || !row.paragraph_ids.every((id) => typeof id === 'string')) {
        throw new RagError('BAD_REQUEST', `${contextsPath}:${line}: needs "_id" and "paragraph_ids", a list of corpus ids`);
      }
      const docs = (row.paragraph_ids as string[]).flatMap((id) => (corpus.has(id) ? [corpus.get(id) as DocumentInput] : []));
      questions.push({
        id: row._id,
        text: texts.get(row._id) ?? '',
        answers: answers.get(row._id) ?? [],
        support: support.get(row._id) ?? [],
        documents: docs.map(refineDocument),
        chunks: await bm25Chunks(texts.get(row._id) ?? '', docs, chunker),
      });
    }
    return { questions };
  }
  if (kind === 'wiki-docs') {
    const docsPath = join(dir, 'docs.json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(withoutBom(readFileSync(docsPath, 'utf8')));
    } catch (err) {
      throw new RagError('BAD_REQUEST', `${docsPath}: not valid JSON (${(err as Error).message})`);
    }
    // Each question maps to its articles: a list of {id, title, contents}. Anything else ended in a TypeError.
    const isArticle = (a: unknown): boolean => {
      const x = (a ?? {}) as { id?: unknown; title?: unknown; contents?: unknown };
      return (typeof x.id === 'string' || typeof x.id === 'number') && typeof x.contents === 'string' && (x.title === undefined || typeof x.title === 'string');
    };
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((rows) => Array.isArray(rows) && rows.every(isArticle))) {
      throw new RagError('BAD_REQUEST', `${docsPath}: needs an object mapping each question to a list of articles ({"id", "title", "contents"})`);
    }
    const data = parsed as Record<string, Array<{ id: string | number; title: string; contents: string }>>;
    if (!options.answers || options.answers.length === 0) throw new RagError('BAD_REQUEST', `${dir}/docs.json carries no answers: give them (--answer)`);
    const questions: Question[] = [];
    let documents = 0;
    let multi = 0;
    for (const [question, rows] of Object.entries(data)) {
      const docs: DocumentInput[] = rows.map((r) => ({ id: String(r.id), title: r.title, text: r.contents, format: 'text' }));
      const refineDocs = docs.map(refineDocument);
      for (const d of refineDocs) {
        documents++;
        if (d.structure.children.filter((c) => c.kind === 'section').length > 1) multi++;
      }
      questions.push({ id: question, text: question, answers: options.answers, support: [], documents: refineDocs, chunks: await bm25Chunks(question, docs, chunker) });
    }
    return { questions, structure: { documents, multi_section: multi } };
  }
  // LiveRAG: a store of the corpus and its distractors, BM25 over chunks, the top documents refined.
  const store = new SqliteStore(join(work, 'eval.db'));
  try {
    const ingestor = new Ingestor(store, { ...config.chunking, maxDocumentChars: config.limits.maxDocumentChars });
    for await (const batch of readDocumentBatches([join(dir, 'corpus.jsonl')], { batchSize: 500 })) await ingestor.ingest(batch);
    for (const file of distractorFiles(dir)) {
      const rows = gunzipSync(readFileSync(join(dir, file))).toString('utf8').split('\n').filter((l) => l.trim().length > 0);
      for (let i = 0; i < rows.length; i += 500) {
        await ingestor.ingest(rows.slice(i, i + 500).map((l, j) => documentFromRow(JSON.parse(l) as unknown, `${file}:${i + j + 1}`)));
      }
    }
    // The memory engine: its index gives the refiner the corpus's term statistics.
    const retriever = new Bm25Retriever(store, { ...config.retrieval.bm25, engine: 'memory', vocabulary: false });
    retriever.warm();
    const stats = retriever.termStatistics();
    const answers = answerMap(join(dir, 'answers.jsonl'));
    const top = options.topDocuments ?? config.refiner.maxDocuments;
    const questions: Question[] = [];
    for (const q of readJsonl(join(dir, 'queries.jsonl')) as Array<{ _id: string; text: string }>) {
      const hits = await retriever.retrieve(q.text, { k: 100 }, new RunContext());
      const docIds = [...new Set(hits.map((h) => h.docId))].slice(0, top);
      const documents = docIds.flatMap((id) => {
        const d = store.getDocument(id);
        return d ? [{ docId: d.id, title: d.title, structure: d.structure }] : [];
      });
      // Both sides read the same documents: the baseline is their retrieved chunks in BM25 order.
      const kept = new Set(docIds);
      questions.push({ id: q._id, text: q.text, answers: answers.get(q._id) ?? [], support: [], documents, chunks: hits.filter((h) => kept.has(h.docId)) });
    }
    return stats ? { questions, stats } : { questions };
  } finally {
    store.close();
  }
}

function distractorFiles(dir: string): string[] {
  return ['distractors_2000.jsonl.gz'].filter((f) => existsSync(join(dir, f)));
}

function answerMap(path: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const row of readJsonl(path) as Array<{ _id: string; answers?: string[] }>) out.set(row._id, row.answers ?? []);
  return out;
}

function refineDocument(doc: DocumentInput): RefineDocument {
  const title = doc.title?.trim() || doc.id;
  const structure = structureOf(doc.text, doc.format ?? 'text', title);
  structure.title = title;
  return { docId: doc.id, title, structure };
}

/** The question's documents chunked as ingestion does, ranked by BM25 among themselves: the baseline's input. */
async function bm25Chunks(query: string, docs: DocumentInput[], chunker: Chunker): Promise<ScoredChunk[]> {
  const chunks: ScoredChunk[] = [];
  for (const doc of docs) {
    const title = doc.title?.trim() || doc.id;
    const structure = structureOf(doc.text, doc.format ?? 'text', title);
    const pieces = await chunker.chunk(structure);
    pieces.forEach((p, i) => chunks.push({ id: `${doc.id}:${i}`, docId: doc.id, title, text: p.text, headingPath: p.headingPath, score: 0, source: 'bm25' }));
  }
  const index = new Bm25Index({ k1: 0.9, b: 0.4 });
  chunks.forEach((c, i) => index.add(i, analyze(`${c.title ?? ''}\n${c.text}`)));
  const hits = index.search(analyze(query), chunks.length);
  return hits.flatMap((h) => {
    const c = chunks[h.key];
    return c ? [{ ...c, score: h.score }] : [];
  });
}
