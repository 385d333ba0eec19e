import { createReadStream, existsSync, readFileSync, statSync, truncateSync, appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { RagError } from '../core/errors.js';
import { RunContext } from '../core/run-context.js';
import type { Degradation, Passage } from '../core/types.js';
import type { Rag } from '../rag.js';
import { withoutBom } from '../core/invisible-marks.js';
import { answerMessages } from '../models/answer-prompt.js';

export interface BatchQuestion {
  id: string;
  question: string;
}

/** One answered question in the LiveRAG submission schema, plus confidence and timing. */
export interface SubmissionRow {
  id: string;
  question: string;
  passages: Array<{ passage: string; doc_IDs: string[] }>;
  final_prompt: string;
  answer: string;
  confidence: number;
  abstained: boolean;
  pipeline: string;
  time_ms: number;
  /** Each stage's start and duration (ms), as the request's trace recorded them. */
  stages: Array<{ name: string; at: number; ms: number }>;
  /** An ensemble's members: each one's answer, confidence and weight (for per-member scores). */
  members?: Array<{ pipeline: string; answer: string; confidence: number; weight: number }>;
  /** Members the ensemble dropped (failed or timed out). */
  dropped?: string[];
  /** A stage that gave way to its stand-in (an LLM that hung: the extractive reader answered), as the query says. */
  degraded?: Degradation;
}

export interface BatchFailure {
  id: string;
  question: string;
  code: string;
  message: string;
}

export interface BatchProgress {
  done: number;
  failed: number;
  skipped: number;
  total: number;
}

/**
 * Reads questions from JSONL: LiveRAG's `{id, question}` or BEIR's `{_id, text}`. A malformed row is reported
 * in `invalid` with its line number and does not stop the others.
 */
export async function readQuestions(path: string): Promise<{ questions: BatchQuestion[]; invalid: string[] }> {
  if (!existsSync(path)) throw new RagError('NOT_FOUND', `no such file: ${path}`);
  if (statSync(path).isDirectory()) throw new RagError('BAD_REQUEST', `${path} is a folder, not a file of questions`);
  const questions: BatchQuestion[] = [];
  const invalid: string[] = [];
  const seen = new Set<string>();
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
    line++;
    if (text.trim().length === 0) continue;
    try {
      const parsed: unknown = JSON.parse(line === 1 ? withoutBom(text) : text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        invalid.push(`${path}:${line}: not a JSON object (needs "id" and "question")`);
        continue;
      }
      const row = parsed as Record<string, unknown>;
      const id = row['id'] ?? row['_id'];
      const question = row['question'] ?? row['text'];
      if ((typeof id !== 'string' && typeof id !== 'number') || typeof question !== 'string' || question.trim() === '') {
        invalid.push(`${path}:${line}: needs "id" (or "_id") and a non-empty "question" (or "text")`);
      } else if (seen.has(String(id))) invalid.push(`${path}:${line}: id ${String(id)} appears twice`);
      else {
        seen.add(String(id));
        questions.push({ id: String(id), question });
      }
    } catch (err) {
      invalid.push(`${path}:${line}: not valid JSON (${(err as Error).message})`);
    }
  }
  return { questions, invalid };
}

/**
 * Ids already answered in an output file, so a rerun skips them. A last line cut short by a crash is removed
 * first, so the file stays valid JSONL and that question is answered again. Every complete line is checked before
 * anything is cut: a file that is not a submission file (a line that is not a JSON row) stops with its path and
 * line named, and is left as it was.
 */
export function answeredIds(outputPath: string): Set<string> {
  const ids = new Set<string>();
  if (!existsSync(outputPath)) return ids;
  const text = readFileSync(outputPath, 'utf8');
  const cut = text.length > 0 && !text.endsWith('\n') ? text.lastIndexOf('\n') + 1 : text.length;
  text
    .slice(0, cut)
    .split('\n')
    .forEach((line, i) => {
      if (line.trim().length === 0) return;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (err) {
        throw new RagError('BAD_REQUEST', `${outputPath}:${i + 1}: not a row of answers (${(err as Error).message}); is this the right output file?`);
      }
      // A question file ({id, question}) is JSON rows too: taking its ids for answered ones would skip them unanswered
      // and append answers to the questions. A row of answers has "id" and "answer", as `rag eval qa --answers` reads it.
      const { id, answer } = (row ?? {}) as { id?: unknown; answer?: unknown };
      if (row === null || typeof row !== 'object' || Array.isArray(row) || typeof id !== 'string' || typeof answer !== 'string') {
        throw new RagError('BAD_REQUEST', `${outputPath}:${i + 1}: not a row of answers (a JSON object with "id" and "answer"); is this the right output file?`);
      }
      ids.add(id);
    });
  if (cut < text.length) {
    // Only the start of a row is taken for a crash's half line: anything else is someone's text, not ours to cut.
    const tail = text.slice(cut);
    if (!tail.trimStart().startsWith('{')) {
      throw new RagError('BAD_REQUEST', `${outputPath}:${text.slice(0, cut).split('\n').length}: not a row of answers; is this the right output file?`);
    }
    truncateSync(outputPath, Buffer.byteLength(text.slice(0, cut)));
  }
  return ids;
}

/**
 * The generator's prompt as one text: the messages the LLM generator sends for this question (as the pipeline read
 * it, corrected) and these passages. An extractive pipeline reads the same question and passages without a prompt.
 * Before, a prompt of its own wording was written, with the question as typed: not what any generator was asked.
 */
export function finalPrompt(question: string, passages: readonly Passage[]): string {
  return answerMessages(question, passages)
    .map((m) => m.content)
    .join('\n\n');
}

export interface BatchOptions {
  pipeline?: string;
  /** Answer with this ensemble instead of a pipeline. */
  ensemble?: string;
  concurrency: number;
  /** Per-question deadline. */
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (p: BatchProgress) => void;
  /** Called with each answered row, in completion order. */
  onRow: (row: SubmissionRow) => void;
  onFailure: (failure: BatchFailure) => void;
  skip?: ReadonlySet<string>;
}

/** Runs questions through a pipeline with bounded concurrency; one failing question never stops the batch. */
export async function runBatch(rag: Rag, questions: readonly BatchQuestion[], options: BatchOptions): Promise<BatchProgress> {
  const todo = questions.filter((q) => !options.skip?.has(q.id));
  const progress: BatchProgress = { done: 0, failed: 0, skipped: questions.length - todo.length, total: questions.length };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length && !options.signal?.aborted) {
      const q = todo[next++] as BatchQuestion;
      const started = performance.now();
      try {
        const ctxOptions = options.signal ? { timeoutMs: options.timeoutMs, signal: options.signal } : { timeoutMs: options.timeoutMs };
        const request = options.ensemble
          ? { query: q.question, ensemble: options.ensemble }
          : options.pipeline
            ? { query: q.question, pipeline: options.pipeline }
            : { query: q.question };
        const r = await rag.query(request, new RunContext(ctxOptions));
        // Stopped while it was being answered (a question that never waits on I/O finishes anyway): left unanswered,
        // as one the stop interrupted is, so a cancelled job gains no rows after the cancel and a rerun answers it.
        if (options.signal?.aborted) continue;
        options.onRow({
          id: q.id,
          question: q.question,
          passages: r.passages.map((p) => ({ passage: p.text, doc_IDs: [p.docId] })),
          final_prompt: finalPrompt(r.plan.corrected, r.passages),
          answer: r.answer,
          confidence: r.confidence,
          abstained: r.abstained,
          pipeline: r.pipeline,
          time_ms: Math.round((performance.now() - started) * 1000) / 1000,
          stages: r.trace.spans.map(({ name, at, ms }) => ({ name, at, ms })),
          ...(r.members
            ? { members: r.members.map((m) => ({ pipeline: m.pipeline, answer: m.answer, confidence: m.confidence, weight: m.weight })) }
            : {}),
          ...(r.dropped && r.dropped.length > 0 ? { dropped: r.dropped.map((d) => d.pipeline) } : {}),
          ...(r.degraded ? { degraded: r.degraded } : {}),
        });
        progress.done++;
      } catch (err) {
        // Stopped by the caller (Ctrl-C), not failed: left unanswered, so a rerun answers it and no failure is kept.
        if (options.signal?.aborted) continue;
        progress.failed++;
        const code = err instanceof RagError ? err.code : 'INTERNAL';
        options.onFailure({ id: q.id, question: q.question, code, message: err instanceof Error ? err.message : String(err) });
      }
      options.onProgress?.(progress);
      // A question answered without waiting on I/O (the extractive readers) resolves in microtasks only: without
      // this turn of the event loop a server's batch job would hold every other request until it finished.
      await nextTurn();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return progress;
}

/** Appends rows to a JSONL file as they complete, so an interrupted batch keeps everything it finished. */
export function jsonlAppender(path: string): (row: object) => void {
  return (row) => appendFileSync(path, `${JSON.stringify(row)}\n`);
}
