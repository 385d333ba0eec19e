import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import { RagError } from '../core/errors.js';
import { readJsonLines } from './json-lines.js';
import { Rag } from '../rag.js';
import { runBatch, type BatchFailure, type BatchProgress, type SubmissionRow } from './batch-runner.js';
import { brierScore, confidenceBuckets, expectedCalibrationError, mostConfident, riskCoverage, type Bucket, type Scored } from './calibration.js';
import { DegradedCount } from './degraded-count.js';
import { mean, percentile } from './metrics.js';
import type { Judgement, LlmJudge } from './llm-judge.js';
import { bestOver, exactMatch, f1Score, subExactMatch, wordRecall } from './qa-metrics.js';
import { untilAborted } from './until-aborted.js';

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

export interface QaCalibration {
  /** What counts as correct for calibration: acc (sub-EM). */
  correctness: 'acc';
  /** Answers with a confidence, which all of these figures are over. */
  answers: number;
  buckets: Bucket[];
  risk_coverage: Array<{ coverage: number; accuracy: number }>;
  /** Accuracy of the most confident half of the answers (the risk-coverage point at 0.5), against all of them. */
  top_half_accuracy: number;
  /** Expected calibration error over 10 bins: how far confidence is from the accuracy it predicts (0 is best). */
  ece: number;
  /** Mean squared gap between confidence and correctness (0 is best). */
  brier: number;
}

export interface QaReport {
  dataset: string;
  /** The pipeline or ensemble that answered; for a submission file, the one its rows name (null when they name none or several). */
  pipeline: string | null;
  /** The submission file scored (`--answers`), when the questions were not answered here. */
  answers_file?: string;
  questions: number;
  answered: number;
  failed: number;
  /** Questions without an answer (failed, or missing from the submission file): each scores 0, as SQuAD's script has it. */
  unanswered: number;
  /** Means over every question of the dataset (or of --limit), an unanswered one scoring 0. */
  scores: QaScores;
  /** Answers a stand-in gave (an LLM down or too slow: the extractive reader answered), by "stage: reason". */
  degraded: { answers: number; causes: Record<string, number> };
  /** Scores per value of each category field, when the dataset has categories. */
  categories: Record<string, Record<string, QaScores>>;
  /** Over the answers that carry a confidence; null when none does (see `not_computed`). */
  calibration: QaCalibration | null;
  /** Over the answers that carry a time; null when none does (see `not_computed`). */
  latency_ms: { p50: number; p95: number } | null;
  /** Why a figure is null. */
  not_computed?: { calibration?: string; latency?: string };
  /** What a reader of the scores must know: unanswered questions, answers a stand-in gave. */
  warnings: string[];
  /** For an ensemble: each member's scores (over every question, a missing answer scoring 0) and calibration. */
  /** Per member; its calibration is null when it gave no answer with a confidence (dropped on every question). */
  members?: Record<string, QaScores & { top_half_accuracy: number | null; ece: number | null }>;
  failures: BatchFailure[];
  /** LiveRAG's LLM-judged correctness (-1..2) and faithfulness (-1..1), when a judge was asked for. */
  judge?: { correctness: number | null; faithfulness: number | null; judged: number; failed: number; first_failure?: string };
  /** Mean start and duration of each stage over the answered questions (a typical request's waterfall). */
  stages: Array<{ name: string; at: number; ms: number }>;
  /** Each answered question's scores, confidence and time, for reports. */
  per_question: Array<{
    id: string;
    answer: string;
    gold: string[];
    f1: number;
    acc: number;
    confidence: number | null;
    time_ms: number | null;
    members?: Array<{ pipeline: string; answer: string; confidence: number }>;
  }>;
}

/** One answer to score: a `rag batch` row, or a plain LiveRAG submission row (no confidence, time or stages). */
type AnswerRow = Pick<SubmissionRow, 'id' | 'answer'> & Partial<Omit<SubmissionRow, 'id' | 'answer'>>;

/** A row's id (`_id`, or `id`) as a string, or undefined when it has none a question could be named by. */
function rowId(row: { _id?: unknown; id?: unknown }): string | undefined {
  const id = row._id ?? row.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/**
 * Queries (`_id`, `text`, `metadata`) and reference answers (`answers.jsonl`) of a QA dataset folder. A row that is
 * not a question or a list of answers, or an id given twice, stops with its file and line: a row left out or read
 * twice would change the means (every question counts) without a word.
 */
function loadQa(dir: string): { items: QaItem[]; corpusPath: string } {
  const queriesPath = join(dir, 'queries.jsonl');
  const answersPath = join(dir, 'answers.jsonl');
  for (const p of [queriesPath, answersPath]) if (!existsSync(p)) throw new RagError('NOT_FOUND', `not a QA dataset folder: ${p} is missing`);
  const answers = new Map<string, string[]>();
  const answerLines = new Map<string, number>();
  for (const { line, row } of readJsonLines(answersPath)) {
    const id = isObject(row) ? rowId(row) : undefined;
    const list = isObject(row) ? row['answers'] : undefined;
    if (id === undefined || !Array.isArray(list) || list.length === 0 || !list.every((a) => typeof a === 'string')) {
      throw new RagError('BAD_REQUEST', `${answersPath}:${line}: needs "_id" and "answers", a non-empty list of accepted answers (strings)`);
    }
    const first = answerLines.get(id);
    if (first !== undefined) throw new RagError('BAD_REQUEST', `${answersPath}: id ${id} appears twice (lines ${first} and ${line}); keep one row per question`);
    answerLines.set(id, line);
    answers.set(id, list);
  }
  const items: QaItem[] = [];
  const queryLines = new Map<string, number>();
  for (const { line, row } of readJsonLines(queriesPath)) {
    const id = isObject(row) ? rowId(row) : undefined;
    if (!isObject(row) || id === undefined || typeof row['text'] !== 'string') {
      throw new RagError('BAD_REQUEST', `${queriesPath}:${line}: needs "_id" and "text" (a question as BEIR writes it)`);
    }
    const first = queryLines.get(id);
    if (first !== undefined) throw new RagError('BAD_REQUEST', `${queriesPath}: id ${id} appears twice (lines ${first} and ${line}); keep one row per question`);
    queryLines.set(id, line);
    const gold = answers.get(id);
    if (!gold) continue;
    const categories: Record<string, string> = {};
    // Only an object's fields are categories: Object.entries of a string or a list gave one per character or item.
    const metadata = isObject(row['metadata']) ? row['metadata'] : {};
    for (const [k, v] of Object.entries(metadata)) if (typeof v === 'string' && k !== 'answer' && v.length <= 40) categories[k] = v;
    items.push({ id, question: row['text'], answers: gold, categories });
  }
  if (items.length === 0) throw new RagError('BAD_REQUEST', `nothing to evaluate in ${dir}: no question of queries.jsonl has an answer in answers.jsonl`);
  return { items, corpusPath: join(dir, 'corpus.jsonl') };
}

/**
 * The rows of a submission file that answer the wanted questions. A row without "id" and "answer" stops with its
 * line; so does an id answered twice (which answer would count is a guess the score should not make).
 */
function readAnswers(path: string, wanted: ReadonlySet<string>): AnswerRow[] {
  const rows: AnswerRow[] = [];
  const lines = new Map<string, number[]>();
  for (const { line, row: r } of readJsonLines(path)) {
    const row = r as Partial<AnswerRow> | null;
    if (row === null || typeof row !== 'object' || typeof row.id !== 'string' || typeof row.answer !== 'string') {
      throw new RagError('BAD_REQUEST', `${path}:${line}: not a row of answers (a submission file from \`rag batch\` has "id" and "answer")`);
    }
    lines.set(row.id, [...(lines.get(row.id) ?? []), line]);
    if (wanted.has(row.id)) rows.push(row as AnswerRow);
  }
  const twice = [...lines].filter(([, at]) => at.length > 1);
  if (twice.length > 0) {
    const named = twice.slice(0, 5).map(([id, at]) => `${id} (lines ${at.join(', ')})`);
    const more = twice.length > 5 ? ` and ${twice.length - 5} more` : '';
    throw new RagError('BAD_REQUEST', `${path} answers ${twice.length} questions more than once: ${named.join(', ')}${more}; keep one row per question`);
  }
  return rows;
}

/** Means over every question given; a question with no answer scores 0 on each. */
function scoreRows(rows: Array<{ answer: string | undefined; gold: string[] }>): QaScores {
  const score = (f: (answer: string, gold: string) => number): number =>
    round(mean(rows.map((r) => (r.answer === undefined ? 0 : bestOver(r.gold, (g) => f(r.answer as string, g))))));
  return { count: rows.length, em: score(exactMatch), f1: score(f1Score), acc: score(subExactMatch), word_recall: score(wordRecall) };
}

const round = (x: number): number => Number(x.toFixed(4));
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Accuracy of the most confident half, as the risk-coverage curve has it at 0.5. */
const topHalfAccuracy = (items: readonly Scored[]): number => round(mean(mostConfident(items, 0.5).map((h) => h.correct)));

export interface QaEvalOptions {
  pipeline?: string;
  /** Answer with this ensemble: its scores and each member's. */
  ensemble?: string;
  /** Score this submission file instead of answering the questions. */
  answersFile?: string;
  limit?: number;
  concurrency?: number;
  /** Documents of the corpus indexed so far (before any question is answered). */
  onIngest?: (documents: number) => void;
  onProgress?: (p: BatchProgress) => void;
  /** Grade every answer with LiveRAG's rubric through this judge (an LLM). */
  judge?: LlmJudge;
  /** Stops the run (Ctrl-C): it rejects with ABORTED once its temporary index is removed. */
  signal?: AbortSignal;
}

/**
 * Answers a QA dataset's questions over its pooled corpus (indexed into a fresh temporary store), or scores an
 * existing submission file, with EM, F1, acc and word recall, per category, and the calibration of confidence.
 * As SQuAD's script does, every question counts: one that failed or has no row in the file scores 0.
 */
export async function evaluateQa(config: Config, dir: string, options: QaEvalOptions = {}): Promise<QaReport> {
  const { items: all, corpusPath } = loadQa(dir);
  const items = options.limit ? all.slice(0, options.limit) : all;
  let rows: AnswerRow[] = [];
  const failures: BatchFailure[] = [];
  let pipeline: string | null = options.ensemble ?? options.pipeline ?? config.defaultPipeline;
  if (options.answersFile) {
    rows = readAnswers(options.answersFile, new Set(items.map((i) => i.id)));
    if (rows.length === 0) {
      throw new RagError('BAD_REQUEST', `no row of ${options.answersFile} answers a question of ${dir} (a submission file from \`rag batch\` has "id" and "answer")`);
    }
    const named = new Set(rows.map((r) => r.pipeline));
    pipeline = named.size === 1 ? (rows[0]?.pipeline ?? null) : null;
  } else {
    const tmp = mkdtempSync(join(tmpdir(), 'rag-qa-'));
    const rag = new Rag({ ...config, store: { path: join(tmp, 'qa.db') }, cache: { ...config.cache, enabled: false } });
    const answered: SubmissionRow[] = [];
    try {
      const work = async (): Promise<void> => {
        await rag.ingestPaths([corpusPath], { batchSize: 1000, ...(options.onIngest ? { onProgress: options.onIngest } : {}) });
        rag.warm();
        const batchOptions = {
          concurrency: options.concurrency ?? 1,
          timeoutMs: config.server.requestTimeoutMs,
          onRow: (r: SubmissionRow) => answered.push(r),
          onFailure: (f: BatchFailure) => failures.push(f),
          ...(options.pipeline ? { pipeline: options.pipeline } : {}),
          ...(options.ensemble ? { ensemble: options.ensemble } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        };
        await runBatch(rag, items.map((i) => ({ id: i.id, question: i.question })), batchOptions);
        if (options.signal?.aborted) throw new RagError('ABORTED', 'interrupted');
      };
      await untilAborted(work(), options.signal);
    } finally {
      await rag.close();
      rmSync(tmp, { recursive: true, force: true });
    }
    rows = answered;
  }

  const answerOf = new Map(rows.map((r) => [r.id, r]));
  // Every question, answered or not: the means are over all of them.
  const everyQuestion = items.map((item) => ({ item, row: answerOf.get(item.id), answer: answerOf.get(item.id)?.answer, gold: item.answers }));
  const scored = everyQuestion.flatMap((q) => (q.row ? [{ ...q, row: q.row, answer: q.row.answer }] : []));
  const categories: Record<string, Record<string, QaScores>> = {};
  const fields = new Set(items.flatMap((i) => Object.keys(i.categories)));
  for (const field of fields) {
    const groups = new Map<string, typeof everyQuestion>();
    for (const q of everyQuestion) {
      const value = q.item.categories[field];
      if (value === undefined) continue;
      groups.set(value, [...(groups.get(value) ?? []), q]);
    }
    categories[field] = Object.fromEntries([...groups].map(([v, g]) => [v, scoreRows(g)]));
  }
  const correct = (answer: string, gold: string[]): number => bestOver(gold, (g) => subExactMatch(answer, g));
  const calibrationItems = scored.flatMap((s) => (isNumber(s.row.confidence) ? [{ confidence: s.row.confidence, correct: correct(s.answer, s.gold) }] : []));
  // Members the ensemble dropped (failed or timed out) are members too: one dropped on every question still has a row.
  const memberNames = [...new Set(scored.flatMap((s) => [...(s.row.members ?? []).map((m) => m.pipeline), ...(s.row.dropped ?? [])]))];
  const droppedCount = new Map<string, number>();
  for (const s of scored) for (const name of s.row.dropped ?? []) droppedCount.set(name, (droppedCount.get(name) ?? 0) + 1);
  const members = Object.fromEntries(
    memberNames.map((name) => {
      const answers = everyQuestion.map((q) => {
        const m = q.row?.members?.find((x) => x.pipeline === name);
        return { answer: m?.answer, gold: q.gold, confidence: m?.confidence };
      });
      const items = answers.flatMap((a) => (a.answer !== undefined && isNumber(a.confidence) ? [{ confidence: a.confidence, correct: correct(a.answer, a.gold) }] : []));
      const calibrated = items.length > 0;
      return [name, { ...scoreRows(answers), top_half_accuracy: calibrated ? topHalfAccuracy(items) : null, ece: calibrated ? round(expectedCalibrationError(items)) : null }];
    }),
  );
  const latency = scored.flatMap((s) => (isNumber(s.row.time_ms) ? [s.row.time_ms] : []));
  const degraded = new DegradedCount();
  for (const s of scored) degraded.add(s.row.degraded);

  const notComputed: NonNullable<QaReport['not_computed']> = {};
  if (calibrationItems.length === 0) notComputed.calibration = 'the answers carry no confidence';
  if (latency.length === 0) notComputed.latency = 'the answers carry no time';
  const unanswered = items.length - scored.length;
  const warnings: string[] = [];
  if (unanswered > 0) {
    const why = options.answersFile ? `no row in ${options.answersFile}` : `failed`;
    warnings.push(`${unanswered} of ${items.length} questions have no answer (${why}); each scores 0 in the means`);
  }
  if (droppedCount.size > 0) {
    const named = [...droppedCount].map(([name, n]) => `${name} on ${n} of ${scored.length}`).join(', ');
    warnings.push(`members dropped (failed or timed out): ${named}; each such question scores 0 for that member`);
  }
  if (degraded.total > 0) {
    warnings.push(
      `${degraded.total} of ${scored.length} answers came from a stand-in (${degraded.describe()}): these scores are not ${pipeline ?? 'the pipeline'}'s alone`,
    );
  }

  let judge: QaReport['judge'];
  if (options.judge) {
    const grades: Array<Judgement | { failure: string }> = [];
    const judgeWith = options.judge;
    let next = 0;
    // A few at a time: the judge's server has its own concurrency cap too.
    await Promise.all(
      Array.from({ length: Math.max(1, options.concurrency ?? 2) }, async () => {
        while (next < scored.length) {
          const s = scored[next++] as (typeof scored)[number];
          grades.push(
            await judgeWith.grade({ question: s.item.question, answer: s.answer, reference: s.gold[0] ?? '', passages: (s.row.passages ?? []).map((p) => p.passage) }),
          );
        }
      }),
    );
    const ok = grades.filter((g): g is Judgement => !('failure' in g));
    const firstFailure = grades.find((g): g is { failure: string } => 'failure' in g)?.failure;
    // Nothing judged has no mean: 0 would read as a grade (and is one on the rubric's scale).
    judge = {
      correctness: ok.length === 0 ? null : round(mean(ok.map((g) => g.correctness))),
      faithfulness: ok.length === 0 ? null : round(mean(ok.map((g) => g.faithfulness))),
      judged: ok.length,
      failed: grades.length - ok.length,
      ...(firstFailure !== undefined ? { first_failure: firstFailure } : {}),
    };
  }
  return {
    dataset: dir,
    pipeline,
    ...(options.answersFile ? { answers_file: options.answersFile } : {}),
    questions: items.length,
    answered: scored.length,
    failed: failures.length,
    unanswered,
    scores: scoreRows(everyQuestion),
    degraded: { answers: degraded.total, causes: degraded.causes },
    categories,
    calibration:
      calibrationItems.length === 0
        ? null
        : {
            correctness: 'acc',
            answers: calibrationItems.length,
            buckets: confidenceBuckets(calibrationItems),
            risk_coverage: riskCoverage(calibrationItems),
            top_half_accuracy: topHalfAccuracy(calibrationItems),
            ece: round(expectedCalibrationError(calibrationItems)),
            brier: round(brierScore(calibrationItems)),
          },
    latency_ms: latency.length === 0 ? null : { p50: round(percentile(latency, 50)), p95: round(percentile(latency, 95)) },
    ...(Object.keys(notComputed).length > 0 ? { not_computed: notComputed } : {}),
    warnings,
    ...(memberNames.length > 0 ? { members } : {}),
    failures,
    ...(judge ? { judge } : {}),
    stages: meanStages(scored.map((s) => s.row.stages ?? [])),
    per_question: scored.map((s) => ({
      id: s.row.id,
      answer: s.answer,
      gold: s.gold,
      f1: round(bestOver(s.gold, (g) => f1Score(s.answer, g))),
      acc: correct(s.answer, s.gold),
      confidence: isNumber(s.row.confidence) ? s.row.confidence : null,
      time_ms: isNumber(s.row.time_ms) ? s.row.time_ms : null,
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
