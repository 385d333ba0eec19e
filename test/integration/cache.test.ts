import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { RedisTestServer, redisAvailable } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/tmp.js';

interface QueryBody {
  answer: string;
  cached?: boolean;
  trace: { spans: Array<{ name: string; attrs?: Record<string, unknown> }> };
}

const DOCS = [
  { id: 'otters', text: 'Sea otters hold hands while they sleep so they do not drift apart.' },
  { id: 'owls', text: 'Owls can turn their heads about 270 degrees thanks to extra neck vertebrae.' },
];

async function ask(fx: HttpFixture, query: string): Promise<QueryBody> {
  const res = await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query } });
  expect(res.statusCode).toBe(200);
  return res.json<QueryBody>();
}

async function ingest(fx: HttpFixture, documents: Array<{ id: string; text: string }>): Promise<void> {
  const res = await fx.app.inject({ method: 'POST', url: '/v1/documents', payload: { documents } });
  expect(res.statusCode).toBe(200);
}

describe('response cache (in process)', () => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture();
    await ingest(fx, DOCS);
  });
  afterAll(() => fx.close());

  it('answers a repeated query from the cache, with a fresh trace', async () => {
    const first = await ask(fx, 'why do otters hold hands?');
    const second = await ask(fx, 'why do otters hold hands?');
    expect(first.cached).toBeUndefined();
    expect(second.cached).toBe(true);
    expect(second.answer).toBe(first.answer);
    expect(second.trace.spans.map((s) => s.name)).toEqual(['cache.get']);
    expect(fx.rag.cache?.stats.hits).toBeGreaterThanOrEqual(1);
  });

  it('is invalidated by ingestion: the index version is part of the key', async () => {
    const before = await ask(fx, 'what do owls turn?');
    expect((await ask(fx, 'what do owls turn?')).cached).toBe(true);
    await ingest(fx, [{ id: 'owls', text: 'Owls turn their heads to look behind them without moving their bodies.' }]);
    const after = await ask(fx, 'what do owls turn?');
    expect(after.cached).toBeUndefined();
    expect(after.answer).not.toBe(before.answer);
  });
});

describe.skipIf(!redisAvailable)('response cache in Redis', () => {
  let redis: RedisTestServer;
  let fx: HttpFixture;
  let client: Redis;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    fx = await startHttpFixture({ redis: { url: redis.url, commandTimeoutMs: 100 } });
    client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    await client.connect();
    await ingest(fx, DOCS);
  });
  afterAll(async () => {
    client.disconnect();
    await fx.close();
    await redis.stop();
  });

  it('stores responses in Redis under the configured prefix and serves hits from there', async () => {
    await ask(fx, 'how do otters sleep?');
    // The write is not awaited by the request: give it a moment.
    await expect.poll(async () => (await client.keys('rag:cache:query:*')).length, { timeout: 2000 }).toBeGreaterThan(0);
    const hit = await ask(fx, 'how do otters sleep?');
    expect(hit.cached).toBe(true);
    expect(fx.rag.cache?.kind).toBe('redis');
  });

  it('keeps answering uncached when Redis is killed, counts the failures, and recovers when it is back', async () => {
    await redis.kill();
    const results = await Promise.all(Array.from({ length: 5 }, (_v, i) => ask(fx, `otters question number ${i}`)));
    for (const r of results) expect(r.cached).toBeUndefined();
    expect(fx.rag.cache?.stats.errors).toBeGreaterThan(0);
    const metrics = await fx.app.inject({ method: 'GET', url: '/metrics' });
    const errors = /^rag_cache_errors_total (\d+)/m.exec(metrics.body)?.[1];
    expect(Number(errors)).toBeGreaterThan(0);

    await redis.resume();
    await expect
      .poll(async () => {
        await ask(fx, 'owls after the outage');
        return (await ask(fx, 'owls after the outage')).cached === true;
      }, { timeout: 10_000, interval: 200 })
      .toBe(true);
  });
});


describe.skipIf(!redisAvailable)('response cache in Redis shared by two stores', () => {
  const tmp = makeTempDir('rag-cache-');
  let redis: RedisTestServer;
  const fixtures: HttpFixture[] = [];
  beforeAll(async () => {
    redis = await RedisTestServer.start();
  });
  afterAll(async () => {
    for (const fx of fixtures) await fx.close();
    await redis.stop();
    tmp.cleanup();
  });
  const deployment = async (overrides: Record<string, unknown> = {}): Promise<HttpFixture> => {
    const fx = await startHttpFixture({ redis: { url: redis.url, commandTimeoutMs: 500 }, ...overrides });
    fixtures.push(fx);
    return fx;
  };

  it("never serves one store's answer to another: both at version 1, one Redis, the default key prefix", async () => {
    // Before, the key held only the version: B answered with A's document, cached.
    const a = await deployment();
    const b = await deployment();
    await ingest(a, [{ id: 'rent', text: 'Acme Corp pays 900 dollars rent per month.' }]);
    await ingest(b, [{ id: 'rent', text: 'Globex pays 450 dollars rent per month.' }]);
    expect(a.rag.store.version()).toBe(b.rag.store.version());
    expect((await ask(a, 'how many dollars of rent per month?')).answer).toMatch(/Acme/);
    await expect.poll(async () => (await ask(a, 'how many dollars of rent per month?')).cached, { timeout: 2000 }).toBe(true);
    const fromB = await ask(b, 'how many dollars of rent per month?');
    expect(fromB.cached).toBeUndefined();
    expect(fromB.answer).toMatch(/Globex/);
  });

  it('keeps answers computed under other settings apart, on the same store', async () => {
    // Before, a restart with another k1 was served the old scores from the cache.
    const path = join(tmp.dir, 'shared.db');
    const first = await deployment({ store: { path } });
    await ingest(first, DOCS);
    await ask(first, 'why do otters hold hands in their sleep?');
    await expect.poll(async () => (await ask(first, 'why do otters hold hands in their sleep?')).cached, { timeout: 2000 }).toBe(true);
    const tuned = await deployment({ store: { path }, retrieval: { bm25: { k1: 2.5 } } });
    expect(tuned.rag.store.storeId()).toBe(first.rag.store.storeId());
    expect((await ask(tuned, 'why do otters hold hands in their sleep?')).cached).toBeUndefined();
    const same = await deployment({ store: { path } });
    expect((await ask(same, 'why do otters hold hands in their sleep?')).cached).toBe(true);
  });
});
