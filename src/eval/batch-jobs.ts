import { randomUUID } from 'node:crypto';
import type { Rag } from '../rag.js';
import { runBatch, type BatchFailure, type BatchQuestion, type SubmissionRow } from './batch-runner.js';

export interface BatchJob {
  id: string;
  status: 'running' | 'done' | 'cancelled';
  pipeline?: string;
  ensemble?: string;
  total: number;
  done: number;
  failed: number;
  createdAt: string;
  finishedAt?: string;
  rows: SubmissionRow[];
  failures: BatchFailure[];
}

/** How long, how many and how many answers of finished jobs are kept (a job of 1,000 answers holds about 8 MB). */
export interface BatchJobRetention {
  /** The newest finished jobs kept. */
  keep: number;
  /** A finished job is forgotten this long after it ended. */
  ttlMs: number;
  /** Answers kept over all finished jobs; the oldest jobs go first. */
  maxRows: number;
}

/**
 * Batch jobs behind POST /v1/batch: run in the background of the server process and kept in memory, within the
 * retention bounds (a job past them answers 404), so a restart loses them; for long runs the `rag batch` CLI writes
 * a resumable file instead.
 */
export class BatchJobs {
  private readonly jobs = new Map<string, BatchJob>();
  private readonly controllers = new Map<string, AbortController>();

  constructor(
    private readonly rag: Rag,
    private readonly options: { concurrency: number; timeoutMs: number } & BatchJobRetention,
  ) {}

  /** Starts a job answering with `target`'s pipeline or ensemble (the default pipeline without either). */
  start(questions: BatchQuestion[], target: { pipeline?: string; ensemble?: string } = {}): BatchJob {
    const { pipeline, ensemble } = target;
    const job: BatchJob = { id: randomUUID(), status: 'running', total: questions.length, done: 0, failed: 0, createdAt: new Date().toISOString(), rows: [], failures: [] };
    if (pipeline !== undefined) job.pipeline = pipeline;
    if (ensemble !== undefined) job.ensemble = ensemble;
    this.jobs.set(job.id, job);
    this.forgetOld();
    const controller = new AbortController();
    this.controllers.set(job.id, controller);
    void runBatch(this.rag, questions, {
      concurrency: this.options.concurrency,
      timeoutMs: this.options.timeoutMs,
      signal: controller.signal,
      ...(pipeline !== undefined ? { pipeline } : {}),
      ...(ensemble !== undefined ? { ensemble } : {}),
      onRow: (row) => job.rows.push(row),
      onFailure: (f) => job.failures.push(f),
      onProgress: (p) => {
        job.done = p.done;
        job.failed = p.failed;
      },
    }).finally(() => {
      job.status = controller.signal.aborted ? 'cancelled' : 'done';
      job.finishedAt ??= new Date().toISOString();
      this.controllers.delete(job.id);
    });
    return job;
  }

  /** Jobs still running. */
  get running(): number {
    return this.controllers.size;
  }

  get(id: string): BatchJob | undefined {
    this.forgetOld();
    return this.jobs.get(id);
  }

  /**
   * Stops a running job (its questions in flight are stopped, the answers so far kept, status "cancelled"), or
   * forgets a finished one; the job as it stands, or undefined when there is none.
   */
  cancel(id: string): BatchJob | undefined {
    const job = this.get(id);
    if (!job) return undefined;
    const controller = this.controllers.get(id);
    if (controller) {
      controller.abort();
      // Marked at once: the run settles on a later turn (adding no rows), and the caller should see what it asked for.
      job.status = 'cancelled';
      job.finishedAt = new Date().toISOString();
    } else this.jobs.delete(id);
    return job;
  }

  /** Stops every running job (server shutdown). */
  cancelAll(): void {
    for (const c of this.controllers.values()) c.abort();
  }

  /** Forgets finished jobs past the retention bounds, oldest first (jobs are kept in the order they started). */
  private forgetOld(): void {
    const { keep, ttlMs, maxRows } = this.options;
    const now = Date.now();
    const finished = [...this.jobs.values()].filter((j) => j.status !== 'running');
    let rows = finished.reduce((n, j) => n + j.rows.length, 0);
    for (const [i, job] of finished.entries()) {
      const expired = job.finishedAt !== undefined && now - Date.parse(job.finishedAt) > ttlMs;
      if (!expired && finished.length - i <= keep && rows <= maxRows) continue;
      this.jobs.delete(job.id);
      rows -= job.rows.length;
    }
  }
}
