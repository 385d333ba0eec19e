import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResponse } from '../../src/rag.js';
import { ingestDocs, okBody, postJson, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { DEADLINE_MS, hang, POTTERY_DOCS, POTTERY_QUESTION, SLACK_MS, type TraceSpan } from '../helpers/hung-llm.js';
import { OpenAiTestServer, type ScriptedReply } from '../helpers/openai-test-server.js';

/**
 * An LLM reranker whose server hangs or is down: with `llm.fallback: extractive` (the default) the retrieval order
 * stands, the answer arrives within the deadline and says so in `degraded`; with `fallback: none` the request
 * fails as before.
 */

describe('an LLM reranker whose server hangs or fails', () => {
  let llm: OpenAiTestServer;
  let fx: HttpFixture;
  let strict: HttpFixture;
  let reply: () => ScriptedReply = hang;

  beforeAll(async () => {
    llm = await OpenAiTestServer.start({ reply: () => reply() });
    const config = {
      server: { requestTimeoutMs: DEADLINE_MS },
      cache: { enabled: false },
      llm: { baseUrl: llm.baseUrl, model: 'test-model', maxRetries: 0 },
      pipelines: { ranked: { kind: 'sequential' as const, reranker: 'llm' } },
    };
    fx = await startHttpFixture(config);
    strict = await startHttpFixture({ ...config, llm: { ...config.llm, fallback: 'none' as const } });
    for (const f of [fx, strict]) await ingestDocs(f.app, POTTERY_DOCS);
  });
  afterAll(async () => {
    await fx.close();
    await strict.close();
    await llm.close();
  });

  it('keeps the retrieval order within the deadline when the server hangs, and says so', async () => {
    reply = hang;
    const started = performance.now();
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: POTTERY_QUESTION, pipeline: 'ranked' }));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(DEADLINE_MS + SLACK_MS);
    expect(body.degraded).toEqual({ stage: 'rerank', reason: 'llm timeout', fallback: 'retrieval order', message: expect.stringContaining('did not answer in time') });
    expect(body.answer).toMatch(/1200 degrees/);
    const spans = body.trace.spans as TraceSpan[];
    expect(spans.find((s) => s.name === 'rerank.llm.ranking')?.attrs).toMatchObject({ fallback: true });
  });

  it('keeps the retrieval order when the server fails, and says it was unavailable', async () => {
    reply = () => ({ status: 503, error: 'overloaded' });
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: POTTERY_QUESTION, pipeline: 'ranked' }));
    expect(body.degraded).toMatchObject({ stage: 'rerank', reason: 'llm unavailable', fallback: 'retrieval order' });
    expect(body.answer).toMatch(/1200 degrees/);
  });

  it('answers without a flag when the LLM ranks', async () => {
    reply = () => ({ text: '{"ranking": [1, 2]}' });
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: POTTERY_QUESTION, pipeline: 'ranked' }));
    expect(body.degraded).toBeUndefined();
    expect(body.answer).toMatch(/1200 degrees/);
  });

  it('with fallback none, a hung server is the request\'s error', async () => {
    reply = hang;
    const res = await postJson(strict.app, '/v1/query', { query: POTTERY_QUESTION, pipeline: 'ranked' });
    expect(res.statusCode).toBe(504);
  });
});
