import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { RedisTestServer, redisAvailable } from '../helpers/redis-server.js';

/**
 * Redis killed (SIGKILL) under a steady concurrent load on a server that keeps its response cache and its rate
 * limits in Redis: no request fails (the cache answers uncached, the limits let requests through), /readyz says
 * the server is degraded, and once redis-server is back on the same port the cache and the limits use it again.
 */

const KEY = 'outage-key-0123456789abcdef';
const CONCURRENCY = 8;
const QUESTIONS = ['where do quokkas live?', 'what do numbats eat?', 'how hot is a kiln?', 'what melts in a second firing?', 'when do numbats feed?'];
const DOCS = [
  { id: 'quokka', text: 'Quokkas live on Rottnest Island near Perth.' },
  { id: 'numbat', text: 'Numbats eat termites, up to twenty thousand a day, during the daytime.' },
  { id: 'kiln', text: 'A pottery kiln fires clay at about 1200 degrees Celsius; glazes melt in a second firing.' },
];

interface Sample {
  status: number;
  cached: boolean;
  start: number;
  end: number;
}

interface Readiness {
  ready: boolean;
  reason?: string;
  redis?: { url: string; connected: boolean; status: string; reason?: string };
}

/** Concurrent clients asking questions until stopped; every answer recorded with its time span. */
function startLoad(base: string): { samples: Sample[]; stop: () => Promise<void> } {
  const samples: Sample[] = [];
  let running = true;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (running) {
      const i = next++;
      const route = i % 3 === 0 ? '/v1/retrieve' : '/v1/query';
      const start = performance.now();
      try {
        const res = await fetch(`${base}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
          body: JSON.stringify({ query: QUESTIONS[i % QUESTIONS.length] }),
        });
        const body = (await res.json()) as { cached?: boolean };
        samples.push({ status: res.status, cached: body.cached === true, start, end: performance.now() });
      } catch {
        // A connection the server dropped: as bad as a 5xx.
        samples.push({ status: 599, cached: false, start, end: performance.now() });
      }
    }
  };
  const workers = Array.from({ length: CONCURRENCY }, () => worker());
  return {
    samples,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

describe.skipIf(!redisAvailable)('Redis killed under load', () => {
  let redis: RedisTestServer;
  let fx: HttpFixture;
  let base: string;
  let client: Redis;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    fx = await startHttpFixture({
      redis: { url: redis.url, commandTimeoutMs: 100 },
      // A limit far above this load: counted in Redis, never reached.
      auth: { apiKeys: [{ name: 'load', key: KEY, rateLimit: 1_000_000 }], rateLimit: { max: 0, windowMs: 60_000 } },
    });
    await fx.rag.ingest(DOCS);
    base = await fx.app.listen({ host: '127.0.0.1', port: 0 });
    client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 100 });
    // The test's own view of Redis goes down with it: its errors are expected, not news.
    client.on('error', () => undefined);
    await client.connect();
  });
  afterAll(async () => {
    client.disconnect();
    await fx.close();
    await redis.stop();
  });

  const readiness = async (): Promise<{ status: number; body: Readiness }> => {
    const res = await fx.app.inject({ method: 'GET', url: '/readyz' });
    return { status: res.statusCode, body: res.json<Readiness>() };
  };

  it('serves every request through the outage, says it is degraded, and uses Redis again once it is back', async () => {
    const before = await readiness();
    expect(before.body.redis).toMatchObject({ connected: true, status: 'ready', url: redis.url });
    expect(before.body.reason).toBeUndefined();

    const load = startLoad(base);
    try {
      // Warm: the cache fills and the limits count in Redis.
      await expect.poll(() => load.samples.filter((s) => s.cached).length, { timeout: 5000 }).toBeGreaterThan(10);
      expect((await client.keys('rag:ratelimit:*')).length).toBeGreaterThan(0);

      await redis.kill();
      const killedAt = performance.now();
      await sleep(800);
      const during = await readiness();
      expect(during.status).toBe(200);
      expect(during.body.ready).toBe(true);
      expect(during.body.redis?.connected).toBe(false);
      expect(during.body.reason).toMatch(/^degraded: Redis at redis:\/\/127\.0\.0\.1:\d+ is \w+ \(.*ECONNREFUSED.*\); answering uncached, rate limits open$/);

      await redis.resume();
      const resumedAt = performance.now();
      // Back on the same port, empty: the client reconnects by itself, the cache fills again, the limits count again.
      await expect.poll(async () => (await readiness()).body.redis?.connected, { timeout: 15_000, interval: 100 }).toBe(true);
      await expect.poll(() => load.samples.filter((s) => s.start > resumedAt && s.cached).length, { timeout: 10_000 }).toBeGreaterThan(5);
      await client.connect().catch(() => undefined);
      await expect.poll(async () => (await client.keys('rag:ratelimit:*')).length, { timeout: 5000 }).toBeGreaterThan(0);
      expect((await readiness()).body.reason).toBeUndefined();
      await load.stop();

      const failed = load.samples.filter((s) => s.status !== 200);
      const inFlightAtKill = load.samples.filter((s) => s.start <= killedAt && s.end >= killedAt).length;
      // The goal is none at all; the tolerance is the requests in flight at the moment of the kill.
      expect(failed.length, JSON.stringify(failed.slice(0, 5))).toBeLessThanOrEqual(inFlightAtKill);
      expect(failed.filter((s) => s.status >= 500)).toEqual([]);
      // The outage did not stall the service: it kept answering, uncached and promptly.
      const outage = load.samples.filter((s) => s.start > killedAt && s.end < resumedAt);
      expect(outage.length).toBeGreaterThan(20);
      expect(outage.every((s) => !s.cached)).toBe(true);
      const slowest = Math.max(...outage.map((s) => s.end - s.start));
      expect(slowest).toBeLessThan(2000);
      expect(fx.rag.cache?.stats.errors).toBeGreaterThan(0);
    } finally {
      await load.stop();
    }
  }, 60_000);
});

describe.skipIf(!redisAvailable)('Redis that hangs or refuses the password', () => {
  it('is not called connected while it hangs, and /readyz says why it cannot be used', async () => {
    const redis = await RedisTestServer.start('right-password-123');
    const hung = await startHttpFixture({ redis: { url: redis.url, commandTimeoutMs: 100 } });
    const wrongUrl = redis.url.replace('right-password-123', 'wrong-password-456');
    const refused = await startHttpFixture({ redis: { url: wrongUrl, commandTimeoutMs: 100 } });
    try {
      const ready = async (fx: HttpFixture): Promise<Readiness> => (await fx.app.inject({ method: 'GET', url: '/readyz' })).json<Readiness>();
      await expect.poll(async () => (await ready(hung)).redis?.connected, { timeout: 5000 }).toBe(true);
      // Before, a hung Redis (SIGSTOP) read as connected and ready: the client's state does not see it.
      redis.hang(true);
      const during = await ready(hung);
      expect(during.redis).toMatchObject({ connected: false, status: 'ready', reason: expect.stringMatching(/no answer to PING/) });
      expect(during.reason).toMatch(/^degraded: Redis at .* is ready \(no answer to PING/);
      redis.hang(false);
      await expect.poll(async () => (await ready(hung)).redis?.connected, { timeout: 5000 }).toBe(true);
      // Before, a wrong password said only "reconnecting"; the reason (WRONGPASS) was in the log alone.
      await expect.poll(async () => (await ready(refused)).redis?.reason ?? '', { timeout: 5000 }).toMatch(/WRONGPASS|NOAUTH|invalid/i);
      expect(JSON.stringify(await ready(refused))).not.toContain('wrong-password-456');
    } finally {
      await hung.close();
      await refused.close();
      await redis.stop();
    }
  });
});
