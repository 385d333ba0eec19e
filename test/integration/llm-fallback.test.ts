import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch, type SubmissionRow } from '../../src/eval/batch-runner.js';
import type { QueryResponse } from '../../src/rag.js';
import { ingestDocs, okBody, postJson, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { DEADLINE_MS, hang, POTTERY_DOCS, POTTERY_QUESTION, SLACK_MS, type TraceSpan } from '../helpers/hung-llm.js';
import { OpenAiTestServer, type ScriptedReply } from '../helpers/openai-test-server.js';
import { parseSse } from '../helpers/sse.js';

/**
 * An LLM server that accepts requests and never answers: with the default `llm.fallback: extractive`, the answer
 * still arrives within the request's deadline, read by the extractive reader from the same passages, and says so
 * in `degraded`. The LLM's unavailability degrades the same way, and degraded answers are never cached.
 */

describe('an LLM server that hangs, with the extractive fallback (the default)', () => {
  let llm: OpenAiTestServer;
  let fx: HttpFixture;
  let base: string;
  let extractiveAnswer: string;

  beforeAll(async () => {
    llm = await OpenAiTestServer.start({ reply: hang });
    fx = await startHttpFixture({
      server: { requestTimeoutMs: DEADLINE_MS },
      llm: { baseUrl: llm.baseUrl, model: 'test-model', topLogprobs: 2, maxRetries: 0 },
      pipelines: { llm: { kind: 'sequential', generator: 'llm' } },
      ensembles: { mixed: { members: ['llm', 'default'], beta: 2, abstainAbove: 1 } },
    });
    await ingestDocs(fx.app, POTTERY_DOCS);
    base = await fx.app.listen({ host: '127.0.0.1', port: 0 });
    // The default pipeline differs from "llm" only in its generator: the same passages, read extractively.
    extractiveAnswer = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: POTTERY_QUESTION })).answer;
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
  });

  it('says in a batch row, too, that the extractive reader answered for the LLM', async () => {
    const rows: SubmissionRow[] = [];
    await runBatch(fx.rag, [{ id: 'q1', question: POTTERY_QUESTION }], { pipeline: 'llm', concurrency: 1, timeoutMs: DEADLINE_MS, onRow: (r) => rows.push(r), onFailure: () => undefined });
    expect(rows[0]?.degraded).toMatchObject({ stage: 'generate', reason: 'llm timeout', fallback: 'extractive' });
    expect(rows[0]?.answer).toBe(extractiveAnswer);
  });

  it('leaves questions stopped by an interrupt unanswered, not failed (a rerun answers them; no failure stays recorded)', async () => {
    llm.reset();
    const stop = new AbortController();
    const rows: SubmissionRow[] = [];
    const failures: string[] = [];
    const batch = runBatch(fx.rag, [{ id: 'q1', question: POTTERY_QUESTION }, { id: 'q2', question: POTTERY_QUESTION }], {
      pipeline: 'llm',
      concurrency: 2,
      timeoutMs: 60_000,
      signal: stop.signal,
      onRow: (r) => rows.push(r),
      onFailure: (f) => failures.push(`${f.id}: ${f.code}`),
    });
    await expect.poll(() => llm.chatRequests().length).toBe(2);
    stop.abort();
    const result = await batch;
    expect(failures).toEqual([]);
    expect(rows).toEqual([]);
    expect(result).toMatchObject({ done: 0, failed: 0, total: 2 });
  });

  it('answers within the server deadline from the extractive reader, flagged degraded, and lets the LLM go', async () => {
    llm.reset();
    const started = performance.now();
    const res = await fetch(`${base}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: POTTERY_QUESTION, pipeline: 'llm' }) });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    const body = (await res.json()) as QueryResponse;
    expect(elapsed).toBeLessThan(DEADLINE_MS + SLACK_MS);
    // The LLM had most of the deadline: it was not skipped.
    expect(elapsed).toBeGreaterThan(DEADLINE_MS - 400);
    expect(llm.chatRequests()).toHaveLength(1);

    expect(body.pipeline).toBe('llm');
    expect(body.degraded).toEqual({ stage: 'generate', reason: 'llm timeout', fallback: 'extractive', message: expect.stringContaining('did not answer in time') });
    expect(body.answer).toBe(extractiveAnswer);
    expect(body.answer).toMatch(/1200 degrees/);
    expect(body.citations[0]?.docId).toBe('kiln');
    const spans = body.trace.spans as TraceSpan[];
    expect(spans.find((s) => s.name === 'generate.llm')?.attrs?.['error']).toMatch(/deadline exceeded/);
    expect(spans.find((s) => s.name === 'generate.fallback')?.attrs).toMatchObject({ from: 'llm', to: 'extractive', reason: 'llm timeout' });
    // The hung request was cut, not left holding a connection (and an LLM concurrency slot).
    await expect.poll(() => llm.inFlight, { timeout: 2000, interval: 50 }).toBe(0);
  });

  it('an ensemble with that member answers within the deadline, flagged degraded, the member too, and is not cached', async () => {
    const ask = async (): Promise<QueryResponse> => {
      const started = performance.now();
      const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: POTTERY_QUESTION, ensemble: 'mixed' }));
      expect(performance.now() - started).toBeLessThan(DEADLINE_MS + SLACK_MS);
      return body;
    };
    const body = await ask();
    expect(body.ensemble).toBe('mixed');
    expect(body.answer).toMatch(/1200 degrees/);
    expect(body.degraded).toMatchObject({ stage: 'generate', reason: 'llm timeout', fallback: 'extractive' });
    const members = body.members ?? [];
    expect(members.find((m) => m.pipeline === 'llm')?.degraded).toMatchObject({ reason: 'llm timeout' });
    expect(members.find((m) => m.pipeline === 'default')?.degraded).toBeUndefined();
    expect(body.dropped).toEqual([]);
    // A stand-in's answer is not the ensemble's real one: the same request asks the members again.
    expect((await ask()).cached).toBeUndefined();
  });

  it('keeps a shorter deadline the client asks for', async () => {
    const started = performance.now();
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: `${POTTERY_QUESTION} (short)`, pipeline: 'llm', timeoutMs: 500 }));
    expect(performance.now() - started).toBeLessThan(500 + SLACK_MS);
    expect(body.degraded?.reason).toBe('llm timeout');
    expect(body.answer).toMatch(/1200 degrees/);
  });

  it('streams: sources, the extractive answer as text, and the degraded flag on the answer, within the deadline', async () => {
    const started = performance.now();
    const res = await fetch(`${base}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: POTTERY_QUESTION, pipeline: 'llm', stream: true }) });
    const events = parseSse(await res.text());
    expect(performance.now() - started).toBeLessThan(DEADLINE_MS + SLACK_MS);
    expect(events.map((e) => e.event)).toEqual(['plan', 'sources', 'token', 'candidate', 'answer', 'done']);
    expect(events[2]?.data['text']).toBe(extractiveAnswer);
    const answer = events.find((e) => e.event === 'answer')?.data;
    expect(answer?.['answer']).toBe(extractiveAnswer);
    expect(answer?.['degraded']).toMatchObject({ stage: 'generate', reason: 'llm timeout', fallback: 'extractive' });
  });

  it('says so through the OpenAI-compatible chat route too', async () => {
    const res = await postJson(fx.app, '/v1/chat/completions', { model: 'llm', messages: [{ role: 'user', content: POTTERY_QUESTION }] });
    const body = okBody<{ choices: Array<{ message: { content: string } }>; degraded?: { reason: string } }>(res);
    expect(body.choices[0]?.message.content).toContain('1200 degrees');
    expect(body.degraded?.reason).toBe('llm timeout');
  });

  it('never caches a degraded answer: once the LLM answers again, so does the pipeline', async () => {
    const question = `${POTTERY_QUESTION} (cache)`;
    expect(okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: question, pipeline: 'llm' })).degraded).toBeDefined();
    llm.setReply(() => ({ text: 'About 1200 degrees Celsius [1].' }));
    try {
      const recovered = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: question, pipeline: 'llm' }));
      expect(recovered.cached).toBeUndefined();
      expect(recovered.degraded).toBeUndefined();
      expect(recovered.answer).toBe('About 1200 degrees Celsius [1].');
    } finally {
      llm.setReply(hang);
    }
  });

  it('degrades the same way when the LLM server is gone, with the reason "llm unavailable"', async () => {
    await llm.close();
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: `${POTTERY_QUESTION} (down)`, pipeline: 'llm' }));
    expect(body.degraded).toMatchObject({ stage: 'generate', reason: 'llm unavailable', fallback: 'extractive', message: expect.stringMatching(/^LLM server at .* (is unreachable|dropped the connection)/) });
    expect(body.answer).toMatch(/1200 degrees/);
  });
});
