import { randomUUID } from 'node:crypto';
import type { Rag } from '../rag.js';
import { runBatch, type BatchFailure, type BatchQuestion, type SubmissionRow } from './batch-runner.js';

export interface BatchJob {
  id: string;
  status: 'running' | 'done' | 'cancelled';
  pipeline?: string;
  total: number;
  done: number;
  failed: number;
  createdAt: string;
  finishedAt?: string;
  rows: SubmissionRow[];
  failures: BatchFailure[];
}

/**
 * Batch jobs behind POST /v1/batch: run in the background of the server process and kept in memory (the newest
 * `keep` jobs), so a restart loses them; for long runs the `rag batch` CLI writes a resumable file instead.
 */
export class BatchJobs {
  private readonly jobs = new Map<string, BatchJob>();
  private readonly controllers = new Map<string, AbortController>();

  constructor(
    private readonly rag: Rag,
    private readonly options: { concurrency: number; timeoutMs: number; keep: number },
  ) {}

  start(questions: BatchQuestion[], pipeline?: string): BatchJob {
    const job: BatchJob = { id: randomUUID(), status: 'running', total: questions.length, done: 0, failed: 0, createdAt: new Date().toISOString(), rows: [], failures: [] };
    if (pipeline !== undefined) job.pipeline = pipeline;
    this.jobs.set(job.id, job);
    this.forgetOld();
    const controller = new AbortController();
    this.controllers.set(job.id, controller);
    void runBatch(this.rag, questions, {
      concurrency: this.options.concurrency,
      timeoutMs: this.options.timeoutMs,
      signal: controller.signal,
      ...(pipeline !== undefined ? { pipeline } : {}),
      onRow: (row) => job.rows.push(row),
      onFailure: (f) => job.failures.push(f),
      onProgress: (p) => {
        job.done = p.done;
        job.failed = p.failed;
      },
    }).finally(() => {
      job.status = controller.signal.aborted ? 'cancelled' : 'done';
      job.finishedAt = new Date().toISOString();
      this.controllers.delete(job.id);
    });
    return job;
  }

  /** Jobs still running. */
  get running(): number {
    return this.controllers.size;
  }

  get(id: string): BatchJob | undefined {
    return this.jobs.get(id);
  }

  /** Stops every running job (server shutdown). */
  cancelAll(): void {
    for (const c of this.controllers.values()) c.abort();
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()].filter((j) => j.status !== 'running');
    while (this.jobs.size > this.options.keep && finished.length > 0) this.jobs.delete((finished.shift() as BatchJob).id);
  }
}
