import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResponse } from '../../src/rag.js';
import { ingestDocs, okBody, postJson, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { DEADLINE_MS, POTTERY_DOCS, POTTERY_QUESTION, type TraceSpan } from '../helpers/hung-llm.js';
import { startJsonServer, type JsonReply, type JsonServer, type RecordedRequest } from '../helpers/json-server.js';

/**
 * An HTTP reranker whose server hangs, fails or refuses: as with the LLM reranker, the retrieval order stands
 * within the deadline and the answer says so in `degraded` (and is not cached); a refusal (a wrong key) and
 * `fallback: none` stay the request's errors.
 */

const teiScores = (req: RecordedRequest): JsonReply => {
  const { texts } = req.body as { texts: string[] };
  // The last passage first: a visible reordering.
  return { body: texts.map((_, index) => ({ index, score: index })) };
};
const hang = (): JsonReply => ({ body: [], delayMs: 600_000 });

describe('an HTTP reranker whose server hangs or fails', () => {
  let tei: JsonServer;
  let reply: (req: RecordedRequest) => JsonReply = teiScores;
  let fx: HttpFixture;
  let strict: HttpFixture;

  beforeAll(async () => {
    tei = await startJsonServer((req) => reply(req));
    const config = (fallback: 'retrieval-order' | 'none'): Record<string, unknown> => ({
      server: { requestTimeoutMs: DEADLINE_MS },
      rerankers: { tei: { kind: 'http', url: tei.url, maxRetries: 0, fallback, fallbackReserveMs: 300 } },
      pipelines: { ranked: { kind: 'sequential', reranker: 'tei', rerankK: 2 } },
    });
    fx = await startHttpFixture(config('retrieval-order'));
    strict = await startHttpFixture(config('none'));
    for (const f of [fx, strict]) await ingestDocs(f.app, POTTERY_DOCS);
  });
  afterAll(async () => {
    await fx.close();
    await strict.close();
    await tei.close();
  });

  const ask = async (f: HttpFixture, query = POTTERY_QUESTION): Promise<QueryResponse> =>
    okBody<QueryResponse>(await postJson(f.app, '/v1/query', { query, pipeline: 'ranked' }));

  it('keeps the retrieval order within the deadline when the server hangs, and says so', async () => {
    reply = hang;
    const body = await ask(fx);
    expect(body.degraded).toEqual({ stage: 'rerank', reason: 'tei timeout', fallback: 'retrieval order', message: expect.stringContaining('did not answer in time') });
    expect(body.answer).toMatch(/1200 degrees/);
    const spans = body.trace.spans as TraceSpan[];
    expect(spans.find((s) => s.name === 'rerank.tei.fallback')?.attrs).toMatchObject({ reason: 'tei timeout' });
  });

  it('keeps the retrieval order when the server fails, and does not cache that answer', async () => {
    reply = () => ({ status: 503, body: { error: 'overloaded' } });
    const query = `${POTTERY_QUESTION} (failing)`;
    const degraded = await ask(fx, query);
    expect(degraded.degraded).toMatchObject({ stage: 'rerank', reason: 'tei unavailable', fallback: 'retrieval order' });
    expect(degraded.answer).toMatch(/1200 degrees/);
    reply = teiScores;
    const again = await ask(fx, query);
    expect(again.cached).toBeUndefined();
    expect(again.degraded).toBeUndefined();
    // The model's order now: the scores put the last candidate first.
    expect(again.passages[0]?.chunkId).toBeDefined();
    expect(again.passages[0]?.chunkId).not.toBe(degraded.passages[0]?.chunkId);
  });

  it('a refused request (a wrong key) is the request’s error, 502', async () => {
    reply = () => ({ status: 401, body: { error: 'invalid token' } });
    const res = await postJson(fx.app, '/v1/query', { query: `${POTTERY_QUESTION} (refused)`, pipeline: 'ranked' });
    expect(res.statusCode).toBe(502);
  });

  it('with fallback none, a failing server is the request’s error', async () => {
    reply = () => ({ status: 503, body: { error: 'overloaded' } });
    const res = await postJson(strict.app, '/v1/query', { query: POTTERY_QUESTION, pipeline: 'ranked' });
    expect(res.statusCode).toBe(503);
  });
});
