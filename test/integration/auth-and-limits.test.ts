import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/app.js';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { RedisTestServer, redisAvailable } from '../helpers/redis-server.js';

const APP_KEY = 'app-key-0123456789abcdef';
const BATCH_KEY = 'batch-key-0123456789abcdef';

const auth = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

async function retrieve(
  fx: HttpFixture,
  headers: Record<string, string> = {},
): Promise<{ statusCode: number; body: { code?: string; message?: string }; headers: Record<string, unknown> }> {
  const res = await fx.app.inject({ method: 'POST', url: '/v1/retrieve', payload: { query: 'anything at all' }, headers });
  return { statusCode: res.statusCode, body: res.json(), headers: res.headers };
}

describe('API keys', () => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture({ auth: { apiKeys: [{ name: 'app', key: APP_KEY }], protectMetrics: true } });
  });
  afterAll(() => fx.close());

  it('answers 401 without a key and with a wrong key, naming the problem', async () => {
    const none = await retrieve(fx);
    expect(none.statusCode).toBe(401);
    expect(none.body.code).toBe('UNAUTHORIZED');
    expect(none.body.message).toMatch(/missing API key/);
    const wrong = await retrieve(fx, auth('not-the-key-0123456789'));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body.message).toMatch(/invalid API key/);
    // The key without its scheme: the message says what to change, and the key is not echoed.
    const bare = await retrieve(fx, { authorization: APP_KEY });
    expect(bare.statusCode).toBe(401);
    expect(bare.body.message).toBe('the Authorization header is not "Bearer <key>": send "Authorization: Bearer <key>"');
  });

  it('lets a valid key through', async () => {
    expect((await retrieve(fx, auth(APP_KEY))).statusCode).toBe(200);
  });

  it('keeps health and readiness open, and guards /metrics when asked to', async () => {
    expect((await fx.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await fx.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await fx.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await fx.app.inject({ method: 'GET', url: '/metrics', headers: auth(APP_KEY) })).statusCode).toBe(200);
  });

  it('says in the OpenAPI document which routes need the key, so the /docs UI and generated clients can send it', async () => {
    type Op = { security?: Array<Record<string, string[]>> };
    const doc = (await fx.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      components: { securitySchemes?: Record<string, { type: string; scheme: string }> };
      paths: Record<string, Record<string, Op>>;
    }>();
    expect(doc.components.securitySchemes?.['apiKey']).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, method] of [['/v1/query', 'post'], ['/v1/documents/{id}', 'delete'], ['/v1/models', 'get'], ['/v1/chat/completions', 'post'], ['/metrics', 'get']] as const) {
      expect(doc.paths[path]?.[method]?.security, `${method} ${path}`).toEqual([{ apiKey: [] }]);
    }
    for (const path of ['/healthz', '/readyz']) expect(doc.paths[path]?.['get']?.security, path).toBeUndefined();
    // Without keys, no route asks for one.
    const open = await startHttpFixture();
    try {
      const plain = (await open.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, Op>> }>();
      expect(plain.paths['/v1/query']?.['post']?.security).toBeUndefined();
    } finally {
      await open.close();
    }
  });

  it('guards a route however its path is percent-encoded (the router decodes it; the check once read it raw)', async () => {
    for (const url of ['/%761/retrieve', '/v%31/retrieve', '/%76%31/retrieve']) {
      const res = await fx.app.inject({ method: 'POST', url, payload: { query: 'anything at all' } });
      expect(res.statusCode, url).toBe(401);
    }
    const stored = await fx.app.inject({ method: 'POST', url: '/%761/documents', payload: { documents: [{ id: 'pwned', text: 'Written without a key.' }] } });
    expect(stored.statusCode).toBe(401);
    expect((await fx.app.inject({ method: 'GET', url: '/%6detrics' })).statusCode).toBe(401);
    expect((await fx.app.inject({ method: 'POST', url: '/%761/retrieve', payload: { query: 'anything at all' }, headers: auth(APP_KEY) })).statusCode).toBe(200);
  });
});

describe('rate limits per key (in process)', () => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture({
      auth: { apiKeys: [{ name: 'app', key: APP_KEY, rateLimit: 3 }, { name: 'batch', key: BATCH_KEY }], rateLimit: { max: 0, windowMs: 60_000 } },
    });
  });
  afterAll(() => fx.close());

  it('answers 429 once a key has used its limit, and leaves other keys alone', async () => {
    for (let i = 0; i < 3; i++) expect((await retrieve(fx, auth(APP_KEY))).statusCode).toBe(200);
    const limited = await retrieve(fx, auth(APP_KEY));
    expect(limited.statusCode).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(limited.body.message).toMatch(/rate limit of 3 requests/);
    for (let i = 0; i < 5; i++) expect((await retrieve(fx, auth(BATCH_KEY))).statusCode).toBe(200);
    // An encoded path is the same route, and counts against the same limit.
    const encoded = await fx.app.inject({ method: 'POST', url: '/%761/retrieve', payload: { query: 'anything at all' }, headers: auth(APP_KEY) });
    expect(encoded.statusCode).toBe(429);
  });

  it('sends the rate-limit headers with a stream too, as with JSON', async () => {
    // Before, a stream (which writes its own headers) carried none of them.
    const query = await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: 'anything at all', stream: true }, headers: auth(BATCH_KEY) });
    const chat = await fx.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: { model: 'default', stream: true, messages: [{ role: 'user', content: 'anything at all' }] },
      headers: auth(BATCH_KEY),
    });
    for (const res of [query, chat]) {
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(res.headers['x-ratelimit-limit']).toBeDefined();
      expect(res.headers['x-ratelimit-remaining']).toBeDefined();
      expect(res.headers['x-ratelimit-reset']).toBeDefined();
    }
  });
});

describe.skipIf(!redisAvailable)('rate limits shared through Redis', () => {
  let redis: RedisTestServer;
  let a: HttpFixture;
  let b: HttpFixture;
  beforeAll(async () => {
    redis = await RedisTestServer.start();
    const settings = { redis: { url: redis.url }, auth: { apiKeys: [{ name: 'app', key: APP_KEY, rateLimit: 3 }] } };
    a = await startHttpFixture(settings);
    b = await startHttpFixture(settings);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await redis.stop();
  });

  it('counts one key across two server instances', async () => {
    expect((await retrieve(a, auth(APP_KEY))).statusCode).toBe(200);
    expect((await retrieve(b, auth(APP_KEY))).statusCode).toBe(200);
    expect((await retrieve(a, auth(APP_KEY))).statusCode).toBe(200);
    expect((await retrieve(b, auth(APP_KEY))).statusCode).toBe(429);
  });

  it('lets requests through when Redis is down rather than fail them', async () => {
    await redis.kill();
    expect((await retrieve(a, auth(APP_KEY))).statusCode).toBe(200);
    await redis.resume();
  });
});

describe.skipIf(!redisAvailable)('rate limits when Redis refuses their counters', () => {
  let redis: RedisTestServer;
  let fx: HttpFixture;
  let admin: Redis;
  const lines: Array<{ level: number; msg: string; err?: string }> = [];

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    const destination = { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) };
    fx = await startHttpFixture(
      { redis: { url: redis.url }, auth: { apiKeys: [{ name: 'app', key: APP_KEY, rateLimit: 2 }] } },
      {},
      { loggerInstance: createLogger('info', destination) },
    );
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    admin.disconnect();
    await fx.close();
    await redis.stop();
  });

  const errorsMetric = async (): Promise<number> => {
    const text = (await fx.app.inject({ method: 'GET', url: '/metrics' })).body;
    return Number(/^rag_rate_limit_errors_total (\d+)$/m.exec(text)?.[1]);
  };
  const readiness = async (): Promise<{ ready: boolean; reason?: string }> => (await fx.app.inject({ method: 'GET', url: '/readyz' })).json();

  it('lets requests through uncounted, and says so: a counter, one warning, and /readyz degraded until counting works again', async () => {
    expect((await retrieve(fx, auth(APP_KEY))).statusCode).toBe(200);
    expect(await errorsMetric()).toBe(0);
    expect((await readiness()).reason).toBeUndefined();

    // Out of memory with no eviction: Redis answers PING, but refuses the counter's script.
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1');
    for (let i = 0; i < 5; i++) {
      const refused = await retrieve(fx, auth(APP_KEY));
      expect(refused.statusCode).toBe(200);
      // Nothing was counted: no header claims the whole limit left.
      expect(refused.headers['x-ratelimit-remaining']).toBeUndefined();
    }
    // Nor does a stream's.
    const stream = await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: 'anything at all', stream: true }, headers: auth(APP_KEY) });
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.headers['x-ratelimit-remaining']).toBeUndefined();
    expect(await errorsMetric()).toBe(6);
    const warnings = lines.filter((l) => l.msg.includes('rate-limit counter'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.err).toMatch(/OOM/);
    const during = await readiness();
    expect(during.ready).toBe(true);
    expect(during.reason).toMatch(/^degraded: Redis at redis:\/\/127\.0\.0\.1:\d+ refused the last rate-limit count \(OOM .*\); rate limits open$/);

    await admin.config('SET', 'maxmemory', '0');
    // Counted again: a fresh window (the refused requests were never counted), then the limit holds.
    const counted = await retrieve(fx, auth(APP_KEY));
    expect(counted.statusCode).toBe(200);
    expect(counted.headers['x-ratelimit-remaining']).toBeDefined();
    expect((await readiness()).reason).toBeUndefined();
    expect(lines.some((l) => l.msg === 'rate limits are counted in redis again')).toBe(true);
    expect((await retrieve(fx, auth(APP_KEY))).statusCode).toBe(429);
    expect(await errorsMetric()).toBe(6);
  });
});
