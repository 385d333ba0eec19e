import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResponse } from '../../src/rag.js';
import { ingestDocs, okBody, postJson, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { DEADLINE_MS, hang, POTTERY_DOCS, POTTERY_QUESTION, SLACK_MS, type TraceSpan } from '../helpers/hung-llm.js';
import { OpenAiTestServer, type ScriptedReply } from '../helpers/openai-test-server.js';

/**
 * The LLM query rewriter (`query.rewriter: llm`) in front of the extractive reader: when the LLM hangs, the
 * rule-based plan stands after `query.rewriteTimeoutMs` (or half the time left) and the request still answers
 * within its deadline, flagged `degraded` (stage "plan"); when it answers again, so does the rewriter, uncached.
 */
describe('a hung LLM query rewriter', () => {
  let llm: OpenAiTestServer;
  let fx: HttpFixture;
  let reply: () => ScriptedReply = hang;

  beforeAll(async () => {
    llm = await OpenAiTestServer.start({ reply: () => reply() });
    fx = await startHttpFixture({
      server: { requestTimeoutMs: DEADLINE_MS },
      llm: { baseUrl: llm.baseUrl, model: 'test-model', maxRetries: 0 },
      query: { rewriter: 'llm', rewriteTimeoutMs: 300 },
    });
    await ingestDocs(fx.app, POTTERY_DOCS);
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
  });

  it('answers from the rule-based plan within the deadline, flagged degraded, and lets the LLM go', async () => {
    const started = performance.now();
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: POTTERY_QUESTION }));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(DEADLINE_MS + SLACK_MS);
    expect(body.answer).toMatch(/1200 degrees/);
    expect(body.plan.corrected).toBe(POTTERY_QUESTION);
    expect(body.degraded).toMatchObject({ stage: 'plan', reason: 'llm timeout', fallback: 'rules' });
    expect((body.trace.spans as TraceSpan[]).find((s) => s.name === 'query.plan')?.attrs).toMatchObject({ rewriter: 'rules', fallback: 'error' });
    await expect.poll(() => llm.inFlight, { timeout: 2000, interval: 50 }).toBe(0);
  });

  it('uses the rewrite again once the LLM answers, and never served the degraded answer from the cache', async () => {
    reply = () => ({ text: JSON.stringify({ corrected: POTTERY_QUESTION, subQueries: ['pottery kiln temperature'] }) });
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: POTTERY_QUESTION }));
    expect(body.cached).toBeUndefined();
    expect(body.degraded).toBeUndefined();
    expect(body.plan.subQueries).toEqual(['pottery kiln temperature']);
    expect(body.answer).toMatch(/1200 degrees/);
  });
});
