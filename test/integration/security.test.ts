import { Writable } from 'node:stream';
import type { InjectOptions, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/app.js';
import { startFakeServer, type FakeServer } from '../helpers/fake-http.js';
import { expectError, okBody, postJson, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { OpenAiTestServer } from '../helpers/openai-test-server.js';
import { RedisTestServer, redisAvailable } from '../helpers/redis-server.js';

/**
 * The security review, as tests: no route takes a server path or a URL from a request, and nothing a document
 * links to is fetched; secrets (API keys, the LLM's key, Redis's password, a wrong key someone tried) never reach
 * the logs or a response; the limits on what one request may ask for hold.
 */

/** Every property name a JSON schema lets a request send, at any depth. */
function requestFields(schema: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) requestFields(s, into);
  else if (typeof schema === 'object' && schema !== null) {
    for (const [key, value] of Object.entries(schema)) {
      if ((key === 'properties' || key === 'patternProperties') && typeof value === 'object' && value !== null) {
        for (const name of Object.keys(value)) into.add(name);
      }
      requestFields(value, into);
    }
  }
  return into;
}

describe('server-side paths and URLs come only from configuration', () => {
  let fx: HttpFixture;
  let linked: FakeServer;
  const routes: RouteOptions[] = [];

  beforeAll(async () => {
    linked = await startFakeServer(() => ({ status: 200, body: { fetched: true } }));
    fx = await startHttpFixture({}, {}, { onRoute: (r) => routes.push(r) });
  });
  afterAll(async () => {
    await fx.close();
    await linked.close();
  });

  it('no route has a request field that names a file, a folder or a URL', () => {
    const fields = new Set<string>();
    for (const route of routes) for (const part of ['body', 'params', 'querystring', 'headers'] as const) requestFields(route.schema?.[part], fields);
    expect(fields.size).toBeGreaterThan(15);
    const suspicious = [...fields].filter((f) => /path|file|dir|folder|url|uri|href|src|endpoint|host|input|output|dataset/i.test(f));
    expect(suspicious).toEqual([]);
  });

  it('stores what documents link to without fetching it, and takes path-like ids and texts as text', async () => {
    const url = `${linked.url}/probe`;
    const documents = [
      {
        id: 'html-links',
        format: 'html',
        text: `<html><head><link rel="stylesheet" href="${url}/css"><script src="${url}/js"></script></head><body><img src="${url}/img"><iframe src="${url}/frame"></iframe><object data="${url}/obj"></object><p>Quokkas <a href="${url}/a">smile</a>.</p></body></html>`,
      },
      { id: 'md-links', format: 'markdown', text: `# Links\n\n![quokka](${url}/md-img) and [more](${url}/md-a) about quokkas.` },
      { id: '../../../../etc/passwd', text: '/etc/passwd file:///etc/shadow' },
    ];
    okBody(await postJson(fx.app, '/v1/documents', { documents }));
    expect(linked.requests).toEqual([]);
    const stored = okBody<{ id: string; structure: unknown }>(await fx.app.inject({ method: 'GET', url: `/v1/documents/${encodeURIComponent('../../../../etc/passwd')}` }));
    expect(stored.id).toBe('../../../../etc/passwd');
    expect(JSON.stringify(stored.structure)).not.toContain('root:');
    // A chat message part that points at an image (OpenAI's image_url) is refused, not fetched.
    const chat = await postJson(fx.app, '/v1/chat/completions', { model: 'default', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `${url}/chat` } }] }] });
    expect(expectError(chat, 400, 'BAD_REQUEST').message).toContain('only text parts are supported (got type "image_url")');
    expect(linked.requests).toEqual([]);
  });
});

describe.skipIf(!redisAvailable)('secrets never reach the logs or a response', () => {
  const API_KEY = 'api-key-SECRET-0123456789abcdef';
  const WRONG_KEY = 'tried-key-SECRET-9876543210';
  const LLM_KEY = 'sk-llm-SECRET-abcdef0123456789';
  const REDIS_PASSWORD = 'redis-SECRET-pass-42';
  const SECRETS = [API_KEY, WRONG_KEY, LLM_KEY, REDIS_PASSWORD];
  let lines: string[];
  let redis: RedisTestServer;
  let llm: OpenAiTestServer;
  let fx: HttpFixture;

  beforeAll(async () => {
    lines = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter((l) => l.length > 0));
        done();
      },
    });
    // Everything the server logs, down to trace.
    const logger = createLogger('trace', sink);
    redis = await RedisTestServer.start(REDIS_PASSWORD);
    llm = await OpenAiTestServer.start({ apiKey: LLM_KEY, reply: () => ({ text: 'Quokkas live on Rottnest Island [1].' }) });
    fx = await startHttpFixture(
      {
        server: { logLevel: 'trace' },
        redis: { url: redis.url, commandTimeoutMs: 100 },
        auth: { apiKeys: [{ name: 'app', key: API_KEY, rateLimit: 1000 }], protectMetrics: false },
        llm: { baseUrl: llm.baseUrl, apiKey: LLM_KEY, model: 'test-model', maxRetries: 1, retryBaseMs: 5, fallback: 'none' },
        pipelines: { llm: { kind: 'sequential', generator: 'llm' } },
      },
      { log: logger },
      { loggerInstance: logger },
    );
    await fx.rag.ingest([{ id: 'quokka', text: 'Quokkas live on Rottnest Island near Perth.' }]);
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
    await redis.stop();
  });

  it('logs requests, keys by name, failures and outages, and no secret in any of it', async () => {
    const auth = { authorization: `Bearer ${API_KEY}` };
    const responses: string[] = [];
    const send = async (request: InjectOptions): Promise<number> => {
      const res = await fx.app.inject(request);
      responses.push(JSON.stringify(res.headers), res.body);
      return res.statusCode;
    };
    expect(await send({ method: 'POST', url: '/v1/query', headers: auth, payload: { query: 'where do quokkas live?', pipeline: 'llm' } })).toBe(200);
    expect(await send({ method: 'POST', url: '/v1/query', headers: { authorization: `Bearer ${WRONG_KEY}` }, payload: { query: 'x' } })).toBe(401);
    expect(await send({ method: 'POST', url: '/v1/query', headers: { authorization: `Basic ${Buffer.from(`app:${WRONG_KEY}`).toString('base64')}` }, payload: { query: 'x' } })).toBe(401);
    // The LLM failing (retried, then 503) and Redis going away both log warnings with their URLs.
    llm.enqueue({ status: 500, error: 'boom' }, { status: 500, error: 'boom' });
    expect(await send({ method: 'POST', url: '/v1/query', headers: auth, payload: { query: 'where do quokkas live now?', pipeline: 'llm' } })).toBe(503);
    await redis.kill();
    expect(await send({ method: 'POST', url: '/v1/query', headers: auth, payload: { query: 'quokkas during the outage' } })).toBe(200);
    // The client's own warning comes with its first failed reconnection.
    await expect.poll(() => lines.some((l) => l.includes('cache and rate limits degrade')), { timeout: 5000, interval: 50 }).toBe(true);
    for (const url of ['/readyz', '/metrics', '/docs/json', '/v1/models']) expect(await send({ method: 'GET', url, headers: auth })).toBe(200);
    await redis.resume();

    const log = lines.join('\n');
    // The log has the lines worth having: requests, the key's name, the LLM retry and the Redis outage.
    expect(lines.length).toBeGreaterThan(10);
    expect(log).toContain('"apiKey":"app"');
    expect(log).toMatch(/LLM request failed; retrying/);
    expect(log).toMatch(/redis cache unavailable; answering uncached/);
    for (const secret of SECRETS) {
      expect(log, 'a secret in the log').not.toContain(secret);
      expect(responses.join('\n'), 'a secret in a response').not.toContain(secret);
    }
    // The Redis URL is logged and reported, without its password.
    expect(log + responses.join('')).toMatch(/redis:\/\/:\*\*\*@127\.0\.0\.1/);
  });

  it('redacts credentials from logged headers and settings, should any code log them', () => {
    const captured: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        captured.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.info({ req: { headers: { authorization: `Bearer ${API_KEY}`, cookie: 'session=abc', 'x-api-key': API_KEY } } }, 'a request');
    logger.info({ headers: { authorization: `Bearer ${API_KEY}` } }, 'bare headers');
    logger.info({ llm: { baseUrl: 'http://x', apiKey: LLM_KEY }, opensearch: { auth: { password: REDIS_PASSWORD } } }, 'settings');
    logger.info({ apiKey: 'app' }, 'a key by name');
    const text = captured.join('');
    for (const secret of [API_KEY, LLM_KEY, REDIS_PASSWORD, 'session=abc']) expect(text).not.toContain(secret);
    expect(text.match(/\[Redacted\]/g)?.length).toBe(6);
    expect(text).toContain('"apiKey":"app"');
  });
});

describe('the limits on one request', () => {
  let fx: HttpFixture;
  let llm: OpenAiTestServer;

  beforeAll(async () => {
    // An LLM that takes its time keeps batch jobs running while the test counts them.
    llm = await OpenAiTestServer.start({ reply: () => ({ text: 'slow [1].', delayMs: 2000 }) });
    fx = await startHttpFixture({
      limits: { maxQueryChars: 40, maxBatchQuestions: 3, maxRunningBatchJobs: 2 },
      llm: { baseUrl: llm.baseUrl, model: 'test-model', maxRetries: 0 },
      pipelines: { llm: { kind: 'sequential', generator: 'llm' } },
    });
    await fx.rag.ingest([{ id: 'quokka', text: 'Quokkas live on Rottnest Island near Perth.' }]);
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
  });

  it('a batch job over limits.maxBatchQuestions, or with a question over limits.maxQueryChars -> 400 naming it', async () => {
    const questions = [1, 2, 3, 4].map((i) => ({ id: `q${i}`, question: `where do quokkas live ${i}?` }));
    expect(expectError(await postJson(fx.app, '/v1/batch', { questions }), 400, 'VALIDATION').message).toBe('questions: must NOT have more than 3 items');
    const long = expectError(await postJson(fx.app, '/v1/batch', { questions: [{ id: 'q', question: 'q'.repeat(41) }] }), 400, 'VALIDATION');
    expect(long.message).toBe('questions.0.question: must NOT have more than 40 characters');
  });

  it('a chat question over limits.maxQueryChars, or a conversation of over 200 messages -> 400', async () => {
    const long = expectError(await postJson(fx.app, '/v1/chat/completions', { model: 'default', messages: [{ role: 'user', content: 'q'.repeat(41) }] }), 400, 'BAD_REQUEST');
    expect(long.message).toMatch(/longer than 40 characters/);
    const messages = Array.from({ length: 201 }, () => ({ role: 'user', content: 'quokkas?' }));
    expect(expectError(await postJson(fx.app, '/v1/chat/completions', { model: 'default', messages }), 400, 'VALIDATION').message).toBe(
      'messages: must NOT have more than 200 items',
    );
  });

  it('metadata and filter keys are 1 to 128 characters, 32 filter keys at most -> 400 naming the key', async () => {
    const long = 'k'.repeat(129);
    const filterErr = expectError(await postJson(fx.app, '/v1/retrieve', { query: 'quokkas', filter: { [long]: 'x' } }), 400, 'VALIDATION');
    expect(filterErr.message).toBe(`filter: key "${'k'.repeat(40)}..." must NOT have more than 128 characters`);
    expect(expectError(await postJson(fx.app, '/v1/retrieve', { query: 'quokkas', filter: { '': 'x' } }), 400).message).toBe('filter: key "" must NOT have fewer than 1 characters');
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]));
    expect(expectError(await postJson(fx.app, '/v1/retrieve', { query: 'quokkas', filter: many }), 400).message).toBe('filter: must NOT have more than 32 properties');
    const metaErr = expectError(await postJson(fx.app, '/v1/documents', { documents: [{ id: 'm', text: 'x', meta: { [long]: 1 } }] }), 400, 'VALIDATION');
    expect(metaErr.message).toMatch(/^documents\.0\.meta: key "k+\.\.\." must NOT have more than 128 characters$/);
    expect((await postJson(fx.app, '/v1/retrieve', { query: 'quokkas', filter: { ['k'.repeat(128)]: 'x' } })).statusCode).toBe(200);
  });

  it('batch jobs beyond limits.maxRunningBatchJobs -> 429 until one finishes', async () => {
    const start = (id: string): ReturnType<typeof postJson> => postJson(fx.app, '/v1/batch', { pipeline: 'llm', questions: [{ id, question: 'where do quokkas live?' }] });
    const first = okJob(await start('a'));
    okJob(await start('b'));
    const refused = expectError(await start('c'), 429, 'RATE_LIMITED');
    expect(refused.message).toMatch(/2 batch jobs are running, the most limits\.maxRunningBatchJobs allows/);
    await expect
      .poll(async () => okBody<{ status: string }>(await fx.app.inject({ method: 'GET', url: `/v1/batch/${first}` })).status, { timeout: 10_000, interval: 100 })
      .toBe('done');
    await expect.poll(async () => (await start('d')).statusCode, { timeout: 5000, interval: 100 }).toBe(202);
  }, 20_000);
});

/** The id of a job POST /v1/batch accepted (202). */
function okJob(res: Awaited<ReturnType<typeof postJson>>): string {
  expect(res.statusCode, res.body).toBe(202);
  return res.json<{ id: string }>().id;
}
