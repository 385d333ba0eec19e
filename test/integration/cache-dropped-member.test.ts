import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

// An ensemble whose agentic member cannot reach its LLM (nothing listens on port 9 of localhost) answers from the
// other member, with the failed one in `dropped`. That answer covers for an outage: it must not be cached, or it
// would be served for cache.ttlSeconds after the LLM is back.
describe('ensemble answers with dropped members are not cached', () => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture({
      llm: { baseUrl: 'http://127.0.0.1:9/v1', model: 'none', maxRetries: 0 },
      pipelines: { agent: { kind: 'agentic', maxSteps: 2 } },
      ensembles: { mix: { members: ['default', 'agent'] } },
    });
    const res = await fx.app.inject({
      method: 'POST',
      url: '/v1/documents',
      payload: { documents: [{ id: 'plan', text: 'Initech pays 42 dollars per month for the starter plan.' }] },
    });
    expect(res.statusCode).toBe(200);
  });
  afterAll(() => fx.close());

  it('answers again rather than from the cache', async () => {
    const ask = async () =>
      (await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: 'how much does Initech pay?', ensemble: 'mix' } })).json<{
        dropped: unknown[];
        cached?: boolean;
      }>();
    const first = await ask();
    expect(first.dropped.length).toBe(1);
    const second = await ask();
    expect(second.dropped.length).toBe(1);
    expect(second.cached).toBeUndefined();
  });
});
