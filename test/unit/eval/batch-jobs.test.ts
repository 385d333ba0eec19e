import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchJobs, type BatchJobRetention } from '../../../src/eval/batch-jobs.js';
import { Rag } from '../../../src/rag.js';
import { httpTestConfig } from '../../helpers/http-fixture.js';

/** Finished jobs live in the server's memory: without bounds, 215 jobs of 1,000 answers held 2.5 GB. */
describe('BatchJobs retention', () => {
  let rag: Rag;
  beforeAll(async () => {
    rag = new Rag(httpTestConfig());
    await rag.ingest([{ id: 'quokka', text: 'Quokkas live on Rottnest Island near Perth.' }]);
  });
  afterAll(() => rag.close());

  const questions = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `q${i}`, question: `where do quokkas live ${i}?` }));
  async function finished(jobs: BatchJobs, n: number): Promise<string> {
    const job = jobs.start(questions(n));
    await expect.poll(() => job.status).toBe('done');
    return job.id;
  }
  const make = (retention: Partial<BatchJobRetention>) => new BatchJobs(rag, { concurrency: 2, timeoutMs: 5000, keep: 100, ttlMs: 60_000, maxRows: 1000, ...retention });

  it('keeps the newest jobs only', async () => {
    const jobs = make({ keep: 2 });
    const ids = [await finished(jobs, 1), await finished(jobs, 1), await finished(jobs, 1)];
    await finished(jobs, 1);
    expect(ids.map((id) => jobs.get(id) !== undefined)).toEqual([false, false, true]);
  });

  it('forgets a job an hour (ttlMs) after it ended', async () => {
    const jobs = make({ ttlMs: 100 });
    const id = await finished(jobs, 1);
    expect(jobs.get(id)?.rows).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(jobs.get(id)).toBeUndefined();
  });

  it('keeps at most maxRows answers over all finished jobs, forgetting the oldest jobs first', async () => {
    const jobs = make({ maxRows: 5 });
    const first = await finished(jobs, 3);
    const second = await finished(jobs, 2);
    expect(jobs.get(first)).toBeDefined();
    const third = await finished(jobs, 2);
    expect([first, second, third].map((id) => jobs.get(id) !== undefined)).toEqual([false, true, true]);
  });

  it('adds no answer after a cancel, and says when it ended at once', async () => {
    const jobs = make({});
    const job = jobs.start(questions(300));
    await expect.poll(() => job.done, { interval: 1 }).toBeGreaterThan(0);
    const cancelled = jobs.cancel(job.id);
    const rows = cancelled?.rows.length;
    expect(cancelled).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String) });
    // Before, the questions in flight (extractive answers finish whatever the signal) were added after the cancel.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(jobs.get(job.id)?.rows.length).toBe(rows);
    expect(jobs.get(job.id)?.done).toBe(rows);
  });
});
