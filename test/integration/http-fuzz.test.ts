import { createConnection } from 'node:net';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf, HOSTILE_BODIES, mutate, pick, withHostileKeys, type JsonSchema } from '../helpers/fuzz.js';
import { expectError, okBody, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { mulberry32 } from '../helpers/random.js';

/**
 * A seeded fuzz of every route the app registers (heard through buildApp's onRoute, so a new route is fuzzed
 * without editing this file): hostile JSON in every field of a valid body, bodies that are not what the route
 * takes, wrong content types, bodies over the limit, hostile params, query strings and headers, injected; then
 * raw-socket abuse a client library would not send (invalid UTF-8 on the wire, malformed framing, huge headers)
 * against a listening server. Every answer must be 2xx or 4xx, none a 5xx or a hang, and the server must answer
 * normally afterwards. A failure names the case; the seed makes it reproducible.
 */

const SEED = 0x5eed_f022;
const KEY = 'fuzz-key-0123456789abcdef';
const AUTH = { authorization: `Bearer ${KEY}` };
/** Small, so bodies over it are cheap to send. */
const BODY_LIMIT = 256 * 1024;
const MUTATIONS_PER_ROUTE = 30;
/** Longer than any honest answer here takes: past it a request counts as hung. */
const HANG_MS = 10_000;

const DOCS = [
  { id: 'quokka-facts', title: 'Quokkas', text: 'Quokkas live on Rottnest Island near Perth and are famous for their smiles.', meta: { lang: 'en' } },
  { id: 'numbat-facts', title: 'Numbats', text: 'Numbats eat termites, up to twenty thousand a day, in the woodlands of Western Australia.', meta: { lang: 'en' } },
];

/** Valid bodies with every optional field the fuzzer should reach; routes not listed get a schema-made minimum. */
const SEEDS: Record<string, unknown[]> = {
  '/v1/query': [
    { query: 'where do quokkas live?', pipeline: 'default', k: 5, filter: { lang: 'en' }, contextTokens: 200, timeoutMs: 5000, stream: false },
    { query: 'what do numbats eat?', ensemble: 'none-such', stream: true },
  ],
  '/v1/retrieve': [
    { query: 'termites', k: 5, filter: { docId: 'numbat-facts' }, retriever: 'bm25', timeoutMs: 5000 },
    { query: 'termites', retriever: 'hybrid' },
  ],
  '/v1/documents': [{ documents: [{ id: 'fuzzed', title: 'Fuzz', text: '# Fuzz\n\nQuokkas again.', format: 'markdown', meta: { lang: 'en', n: 1, ok: true, none: null } }] }],
  '/v1/batch': [{ questions: [{ id: 'q1', question: 'what do numbats eat?' }], pipeline: 'default' }],
  '/v1/chat/completions': [
    { model: 'default', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'where do quokkas live?' }] }], stream: false },
    { model: 'bm25-only', messages: [{ role: 'user', content: 'numbats?' }, { role: 'assistant', content: null }, { role: 'user', content: 'what do they eat?' }], stream: true },
  ],
};

interface Route {
  method: string;
  url: string;
  body?: JsonSchema;
}

interface Case {
  route: string;
  name: string;
  request: InjectOptions;
}

const AUTH_FORMS: ReadonlyArray<Record<string, string>> = [
  {},
  { authorization: '' },
  { authorization: 'Bearer' },
  { authorization: 'Bearer ' },
  { authorization: 'Basic cXVva2thOnNtaWxl' },
  { authorization: 'Bearer not-the-key-0123456789' },
  { authorization: `Bearer ${KEY} extra` },
  { authorization: `bearer ${KEY}` },
  { authorization: `Bearer ${'k'.repeat(10_000)}` },
  { 'x-api-key': KEY },
];
const ACCEPTS = ['text/event-stream', 'application/xml', '*/*;q=oops', '', 'text/html, application/json;q=0.1', `application/${'x'.repeat(10_000)}`];
const QUERY_STRINGS = [
  '?k=1&k=2&k=3',
  '?__proto__[polluted]=1&constructor[prototype][polluted]=1',
  '?a=%E0%A4%A',
  '?stream=true&pipeline=%00',
  `?${'q=quokka&'.repeat(2000)}`,
  '?%zz=%',
];
const PARAMS = [
  '%00',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '..%2f..%2fpackage.json',
  '%2e%2e%2f%2e%2e%2fpackage.json',
  'a'.repeat(600),
  '%E0%A4%A',
  '%F0%9F%98%80',
  '%ED%A0%80',
  '__proto__',
  'constructor',
  '%20',
  'quokka-facts%3Fx%3D1',
];
const REQUEST_IDS = ['x'.repeat(10_000), '<script>alert(1)</script>', '../../etc', 'ünïcödé', ''];
const CONTENT_TYPES: ReadonlyArray<readonly [string, string | undefined]> = [
  ['no content type', undefined],
  ['text/plain', 'text/plain'],
  ['form-urlencoded', 'application/x-www-form-urlencoded'],
  ['multipart', 'multipart/form-data; boundary=quokka'],
  ['JSON in UTF-16', 'application/json; charset=utf-16'],
  ['upper case', 'APPLICATION/JSON'],
  ['a JSON look-alike', 'application/jsonx'],
  ['an empty type', ''],
  ['a 10,000-character type', `application/json; x=${'y'.repeat(10_000)}`],
  ['two types', 'application/json, text/plain'],
];
const OTHER_METHODS = ['PUT', 'PATCH', 'OPTIONS', 'TRACE'] as const;

/** The url with its params (":id", "*") filled: with `value`, or with one that names something real. */
function fill(url: string, value?: string): string {
  return url.replace(/:[A-Za-z]+/g, value ?? 'quokka-facts').replace(/\*$/, value ?? 'index.html');
}

function casesFor(route: Route, rnd: () => number): Case[] {
  const label = `${route.method} ${route.url}`;
  const cases: Case[] = [];
  const base = (name: string, extra: Partial<InjectOptions> = {}): void => {
    const request = { method: route.method, url: fill(route.url), ...extra, headers: { ...AUTH, ...extra.headers } } as InjectOptions;
    cases.push({ route: label, name, request });
  };
  const seeds = route.body ? (SEEDS[route.url] ?? [exampleOf(route.body)]) : [];
  const seed = seeds[0];
  const body = (name: string, payload: string | Buffer, contentType: string | undefined = 'application/json', extra: Record<string, string> = {}): void =>
    base(name, { payload, headers: { ...(contentType === undefined ? {} : { 'content-type': contentType }), ...extra } });

  if (seed !== undefined) body('the valid seed body', JSON.stringify(seed));
  else base('the plain request');
  for (let i = 0; i < 2; i++) {
    const auth = pick(rnd, AUTH_FORMS);
    // Without the header the key was meant to replace: Bearer <KEY> must not be merged back in.
    const request = { method: route.method, url: fill(route.url), headers: auth, ...(seed !== undefined ? { payload: JSON.stringify(seed) } : {}) } as InjectOptions;
    if (seed !== undefined) (request.headers as Record<string, string>)['content-type'] = 'application/json';
    cases.push({ route: label, name: `auth ${JSON.stringify(auth).slice(0, 60)}`, request });
  }
  for (let i = 0; i < 2; i++) {
    const accept = pick(rnd, ACCEPTS);
    if (seed !== undefined) body(`accept ${accept.slice(0, 40)}`, JSON.stringify(seed), 'application/json', { accept });
    else base(`accept ${accept.slice(0, 40)}`, { headers: { accept } });
  }
  for (let i = 0; i < 2; i++) {
    const query = pick(rnd, QUERY_STRINGS);
    base(`query string ${query.slice(0, 40)}`, { url: `${fill(route.url)}${query}`, ...(seed !== undefined ? { payload: JSON.stringify(seed), headers: { 'content-type': 'application/json' } } : {}) });
  }
  base('a hostile x-request-id', { headers: { 'x-request-id': pick(rnd, REQUEST_IDS) } });
  base(`method ${pick(rnd, OTHER_METHODS)} instead`, { method: pick(rnd, OTHER_METHODS) });
  if (/[:*]/.test(route.url)) {
    for (let i = 0; i < 4; i++) {
      const param = pick(rnd, PARAMS);
      base(`param ${param.slice(0, 40)}`, { url: fill(route.url, param) });
    }
  }
  if (seed === undefined || route.method === 'HEAD') return cases;

  for (const other of seeds.slice(1)) body('another valid seed body', JSON.stringify(other));
  for (let i = 0; i < MUTATIONS_PER_ROUTE; i++) {
    const m = mutate(rnd, seeds[i % seeds.length]);
    body(m.name, m.body);
  }
  for (const m of seeds.flatMap(withHostileKeys)) body(m.name, m.body);
  for (const [name, text] of HOSTILE_BODIES) body(name, text);
  for (const [name, type] of CONTENT_TYPES) body(`content type: ${name}`, JSON.stringify(seed), type);
  body('a body over the limit', `{"query":"${'a'.repeat(BODY_LIMIT)}"}`);
  body('invalid UTF-8 in a string', Buffer.concat([Buffer.from('{"query":"quo'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('kka"}')]));
  body('an empty body', '');
  return cases;
}

/** What went wrong with one answer, or null when it is a 2xx, or a 4xx in the documented error shape. */
function problemOf(c: Case, res: LightMyRequestResponse): string | null {
  if (res.statusCode >= 500) return `${res.statusCode}: ${res.body.slice(0, 300)}`;
  if (res.statusCode < 400 || c.request.method === 'HEAD') return null;
  let body: unknown;
  try {
    body = res.json();
  } catch {
    return `${res.statusCode} without a JSON error body: ${res.body.slice(0, 200)}`;
  }
  const e = body as Record<string, unknown>;
  if (e['statusCode'] !== res.statusCode || typeof e['code'] !== 'string' || typeof e['message'] !== 'string') {
    return `${res.statusCode} not in the error shape: ${res.body.slice(0, 200)}`;
  }
  const id = res.headers['x-request-id'];
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) return `x-request-id of ${String(id).length} characters`;
  return null;
}

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), ms);
  });
  try {
    return await Promise.race([work, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Writes raw bytes to the server and reads until it closes the connection, `complete` says the answer is whole
 * (a stream's end), or `ms` pass: the status codes seen.
 */
async function rawExchange(port: number, bytes: Buffer, ms = 5000, complete?: (text: string) => boolean): Promise<{ statuses: number[]; text: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const parts: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, ms);
    socket.on('data', (d: Buffer) => {
      parts.push(d);
      if (complete?.(Buffer.concat(parts).toString('latin1'))) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(parts).toString('latin1');
      // Not anchored to a line: a pipelined answer starts right after the previous body.
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
      resolve({ statuses, text, timedOut });
    });
    socket.on('connect', () => socket.write(bytes));
  });
}

const crlf = (...lines: Array<string | Buffer>): Buffer => Buffer.concat(lines.map((l) => Buffer.concat([typeof l === 'string' ? Buffer.from(l, 'latin1') : l, Buffer.from('\r\n')])));
const JSON_QUERY = '{"query":"where do quokkas live?"}';
const post = (path: string, body: string | Buffer, ...headers: Array<string | Buffer>): Buffer => {
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([
    crlf(`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${KEY}`, 'Content-Type: application/json', 'Connection: close', ...headers, ''),
    payload,
  ]);
};
const get = (path: string, ...headers: Array<string | Buffer>): Buffer => crlf(`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headers, '');

/** Raw requests, each with the statuses it may get (4xx unless the request is in fact valid), and when a kept-open answer is whole. */
const RAW_CASES: ReadonlyArray<readonly [string, Buffer, (statuses: number[]) => boolean, ((text: string) => boolean)?]> = [
  ['invalid UTF-8 in a JSON body', post('/v1/query', Buffer.concat([Buffer.from('{"query":"quo'), Buffer.from([0xff, 0xfe]), Buffer.from('kkas"}')]), 'Content-Length: 19'), (s) => s[0] === 400],
  ['invalid UTF-8 in the path', crlf(Buffer.from('GET /v1/documents/\xff\xfe HTTP/1.1', 'latin1'), 'Host: 127.0.0.1', `Authorization: Bearer ${KEY}`, 'Connection: close', ''), is4xx],
  ['invalid UTF-8 in the Authorization header', crlf('GET /v1/models HTTP/1.1', 'Host: 127.0.0.1', Buffer.concat([Buffer.from('Authorization: Bearer '), Buffer.from([0xff, 0xfe, 0xfd])]), 'Connection: close', ''), (s) => s[0] === 401],
  ['a 64 kB header', get('/healthz', `X-Junk: ${'j'.repeat(65_536)}`), is4xx],
  ['300 headers of 100 bytes', get('/healthz', ...Array.from({ length: 300 }, (_, i) => `X-Junk-${i}: ${'j'.repeat(100)}`)), is4xx],
  ['a 20 kB URL', get(`/v1/documents/${'a'.repeat(20_000)}`), is4xx],
  ['two different Content-Length headers', post('/v1/query', JSON_QUERY, `Content-Length: ${JSON_QUERY.length}`, `Content-Length: ${JSON_QUERY.length + 2}`), is4xx],
  ['Content-Length with Transfer-Encoding', post('/v1/query', `${JSON_QUERY.length.toString(16)}\r\n${JSON_QUERY}\r\n0\r\n\r\n`, `Content-Length: ${JSON_QUERY.length}`, 'Transfer-Encoding: chunked'), is4xx],
  ['an invalid chunk size', post('/v1/query', 'zz\r\nquokka\r\n0\r\n\r\n', 'Transfer-Encoding: chunked'), is4xx],
  ['a negative Content-Length', post('/v1/query', JSON_QUERY, 'Content-Length: -5'), is4xx],
  ['a Content-Length far over the limit', post('/v1/query', JSON_QUERY, 'Content-Length: 100000000'), (s) => s[0] === 413],
  ['a header line without a colon', get('/healthz', 'this is not a header'), is4xx],
  ['a space before the colon', get('/healthz', 'X-Spaced : yes'), is4xx],
  ['a NUL in a header value', get('/healthz', Buffer.from('X-Nul: a\u0000b', 'latin1')), is4xx],
  ['an unknown method', crlf('QUOKKA /healthz HTTP/1.1', 'Host: 127.0.0.1', 'Connection: close', ''), is4xx],
  // Node takes it as HTTP/0.9-style and answers; what matters is that nothing breaks.
  ['a request line without a version', crlf('GET /healthz', ''), (s) => s.length === 0 || s[0] === 200 || is4xx(s)],
  ['a bare LF between headers', Buffer.from('GET /healthz HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n'), (s) => s.length === 1 && (s[0] === 200 || is4xx(s))],
  ['JSON in UTF-16', post('/v1/query', Buffer.from(JSON_QUERY, 'utf16le'), `Content-Length: ${Buffer.byteLength(JSON_QUERY, 'utf16le')}`), is4xx],
  ['two pipelined requests', Buffer.concat([crlf('GET /healthz HTTP/1.1', 'Host: 127.0.0.1', ''), get('/healthz')]), (s) => s.length === 2 && s.every((x) => x === 200)],
  ['Accept: text/event-stream on a valid query', post('/v1/query', JSON_QUERY, `Content-Length: ${JSON_QUERY.length}`, 'Accept: text/event-stream'), (s) => s[0] === 200, (t) => t.includes('event: done')],
  ['Expect: 100-continue', post('/v1/query', JSON_QUERY, `Content-Length: ${JSON_QUERY.length}`, 'Expect: 100-continue'), (s) => s.includes(200)],
];

function is4xx(statuses: number[]): boolean {
  return statuses.length > 0 && statuses.every((s) => s >= 400 && s < 500);
}

describe('fuzzing every route', () => {
  let fx: HttpFixture;
  let port: number;
  const routes: Route[] = [];

  beforeAll(async () => {
    fx = await startHttpFixture(
      { server: { bodyLimitBytes: BODY_LIMIT }, auth: { apiKeys: [{ name: 'fuzz', key: KEY }] } },
      {},
      {
        onRoute: (r) => {
          for (const method of [r.method].flat()) routes.push({ method, url: r.url, ...(r.schema?.body ? { body: r.schema.body as JsonSchema } : {}) });
        },
      },
    );
    await fx.rag.ingest(DOCS);
    await fx.app.listen({ host: '127.0.0.1', port: 0 });
    const address = fx.app.server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(async () => {
    await fx.close();
  });

  it('hears of every route, plugins\' included', () => {
    const names = routes.map((r) => `${r.method} ${r.url}`);
    for (const expected of ['POST /v1/query', 'POST /v1/retrieve', 'POST /v1/documents', 'DELETE /v1/documents/:id', 'POST /v1/batch', 'GET /v1/batch/:id', 'POST /v1/chat/completions', 'GET /v1/models', 'GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /docs/json', 'GET /docs/static/*', 'GET /playground']) {
      expect(names).toContain(expected);
    }
    expect(routes.filter((r) => r.body).map((r) => r.url).sort()).toEqual(Object.keys(SEEDS).sort());
  });

  it('answers seeded hostile bodies, params, query strings and headers on every route with 2xx or 4xx: no 5xx, no hang', async () => {
    const rnd = mulberry32(SEED);
    const cases = routes.flatMap((r) => casesFor(r, rnd));
    expect(cases.length).toBeGreaterThan(800);
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    for (const c of cases) {
      const res = await withDeadline(fx.app.inject(c.request), HANG_MS);
      if (res === 'hung') {
        problems.push(`${c.route} | ${c.name}: no answer within ${HANG_MS} ms`);
        continue;
      }
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const problem = problemOf(c, res);
      if (problem) problems.push(`${c.route} | ${c.name}: ${problem}`);
    }
    expect(problems, `seed ${SEED}`).toEqual([]);
    // The fuzz reached the handlers, not only the validation in front of them.
    expect(statuses.get(200)).toBeGreaterThan(200);
    expect(statuses.get(400)).toBeGreaterThan(200);
    expect(statuses.get(401)).toBeGreaterThan(10);
    expect(statuses.get(413)).toBeGreaterThan(0);
    expect(statuses.get(415)).toBeGreaterThan(0);
  }, 120_000);

  it.each(RAW_CASES.map(([name, bytes, ok, complete]) => ({ name, bytes, ok, complete })))('raw socket: $name', async ({ bytes, ok, complete }) => {
    const { statuses, text, timedOut } = await rawExchange(port, bytes, 5000, complete);
    expect(timedOut, 'the server neither answered nor closed the connection').toBe(false);
    expect(ok(statuses), text.slice(0, 400)).toBe(true);
  });

  it('a client that sends half a body and disconnects leaves the server as it was', async () => {
    const half = post('/v1/documents', '{"documents":[{"id":"half","text":"never fini', 'Content-Length: 400');
    const { statuses } = await rawExchange(port, half, 300);
    expect(statuses).toEqual([]);
    const res = await fetch(`http://127.0.0.1:${port}/v1/documents/half`, { headers: AUTH });
    expect(res.status).toBe(404);
  });

  it('is alive afterwards: health, readiness and a real question answered from the documents', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(okBody<{ ready: boolean }>(await fx.app.inject({ method: 'GET', url: '/readyz' })).ready).toBe(true);
    const answer = okBody<{ answer: string; citations: Array<{ docId: string }> }>(
      await fx.app.inject({ method: 'POST', url: '/v1/query', headers: AUTH, payload: { query: 'what do numbats eat?', filter: { docId: 'numbat-facts' } } }),
    );
    expect(answer.answer).toMatch(/termites/);
    expect(answer.citations[0]?.docId).toBe('numbat-facts');
    // Nothing reached a prototype.
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
  });
});

/** What the fuzz found, fixed, each pinned by a test of its own. */
describe('what the fuzz found', () => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture();
    await fx.rag.ingest([{ id: 'odd-keys', text: 'Quokkas smile for the camera.', meta: { 'a\u0000b': 'nul', 'we"ird\\key': 'q' } }, DOCS[0]!]);
  });
  afterAll(async () => {
    await fx.close();
  });

  it('a filter key no JSON path can hold (a NUL in it) filters, instead of a 500 "bad JSON path"', async () => {
    for (const url of ['/v1/retrieve', '/v1/query']) {
      for (const [filter, expected] of [
        [{ 'a\u0000b': 'nul' }, ['odd-keys']],
        [{ 'we"ird\\key': 'q' }, ['odd-keys']],
        [{ 'a\u0000b': 'other' }, []],
      ] as const) {
        const res = await fx.app.inject({ method: 'POST', url, payload: { query: 'quokkas', filter } });
        const body = okBody<{ hits?: Array<{ docId: string }>; passages?: Array<{ docId: string }> }>(res);
        expect([...new Set((body.hits ?? body.passages ?? []).map((h) => h.docId))]).toEqual(expected);
      }
    }
  });

  it('a path Fastify cannot decode is a 400 in the error shape, with the request id', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/v1/documents/%E0%A4%A', headers: { 'x-request-id': 'trace-1' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['x-request-id']).toBe('trace-1');
    expect(res.json()).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST', requestId: 'trace-1', message: expect.stringContaining('the URL is not valid') });
  });

  it('a query parameter that cannot be decoded is a 400 naming it, as a path is (it listed an empty page)', async () => {
    for (const [query, param, value] of [
      ['prefix=%FF', 'prefix', '%FF'],
      ['limit=2&after=%E0%A4%A', 'after', '%E0%A4%A'],
      ['prefix=a%', 'prefix', 'a%'],
      ['pre%FFfix=a', 'pre%FFfix', 'a'],
      // A lone surrogate, encoded as UTF-8 (which has none).
      ['prefix=%ED%A0%80', 'prefix', '%ED%A0%80'],
    ] as const) {
      const res = await fx.app.inject({ method: 'GET', url: `/v1/documents?${query}`, headers: { 'x-request-id': 'trace-2' } });
      const body = expectError(res, 400, 'BAD_REQUEST');
      expect(body.message, query).toBe(`the URL is not valid: query parameter "${param}" cannot be percent-decoded ("${value}")`);
      expect(body.requestId).toBe('trace-2');
    }
    // Any route: its query string is the URL's as much as its path is; OpenAI's routes name it in error.param.
    const query = await fx.app.inject({ method: 'POST', url: '/v1/query?debug=%C0', payload: { query: 'quokkas' } });
    expect(expectError(query, 400, 'BAD_REQUEST').message).toMatch(/query parameter "debug"/);
    const models = await fx.app.inject({ method: 'GET', url: '/v1/models?x=%FF' });
    expect(models.json().error).toMatchObject({ type: 'invalid_request_error', code: 'BAD_REQUEST', param: 'x' });
    // What decodes is read as before: "%25FF" is the three characters "%FF", "+" a space.
    await fx.rag.ingest([{ id: '%FF', text: 'An id that reads as a percent escape.' }, { id: 'a b c', text: 'An id with spaces.' }]);
    const ids = async (url: string): Promise<string[]> => okBody<{ documents: Array<{ id: string }> }>(await fx.app.inject({ method: 'GET', url })).documents.map((d) => d.id);
    expect(await ids('/v1/documents?prefix=%25FF')).toEqual(['%FF']);
    expect(await ids('/v1/documents?prefix=a+b%20')).toEqual(['a b c']);
  });

  it('a URL the OpenAI-compatible routes cannot take is answered in OpenAI\'s error shape, as their other errors are', async () => {
    for (const [url, statusCode] of [
      ['/v1/models/%E0%A4%A', 400],
      [`/v1/models/${'a'.repeat(7000)}`, 414],
    ] as const) {
      const res = await fx.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(statusCode);
      const body = res.json();
      expect(body).toMatchObject({ statusCode, code: 'BAD_REQUEST', message: expect.stringContaining('the URL is not valid') });
      expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'BAD_REQUEST', message: body.message, param: null });
    }
    // The other routes keep the plain shape.
    const plain = await fx.app.inject({ method: 'GET', url: `/v1/batch/${'a'.repeat(7000)}` });
    expect(plain.statusCode).toBe(414);
    expect(plain.json()).toMatchObject({ code: 'BAD_REQUEST', error: 'URI Too Long' });
    // The message names the limit and does not quote the URL back.
    expect(plain.json().message).toBe('the URL is not valid: a path parameter is over 6144 characters (the path is 7010)');
  });

  it('a document with a long id (over Fastify\'s 100-character parameter default) can be read and deleted', async () => {
    const id = `${'é'.repeat(300)}-${'d'.repeat(211)}`;
    expect(id).toHaveLength(512);
    await fx.rag.ingest([{ id, text: 'A document with the longest id there may be.' }]);
    const url = `/v1/documents/${encodeURIComponent(id)}`;
    expect(okBody<{ id: string }>(await fx.app.inject({ method: 'GET', url })).id).toBe(id);
    expect(okBody<{ deleted: boolean }>(await fx.app.inject({ method: 'DELETE', url })).deleted).toBe(true);
  });

  it('keeps a client\'s x-request-id that looks like one, and replaces one that does not', async () => {
    const kept = await fx.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'client-42:retry.1' } });
    expect(kept.headers['x-request-id']).toBe('client-42:retry.1');
    for (const hostile of ['x'.repeat(129), '<script>', 'a b', '']) {
      const res = await fx.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': hostile } });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
