import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectError,
  ingestDocs,
  okBody,
  postJson,
  postRaw,
  retrieveHits,
  startHttpFixture,
  type HitView,
  type HttpFixture,
} from '../helpers/http-fixture.js';

/**
 * Bad input on the two query routes: every case is answered 400 (or 415) with a code and a message naming the
 * problem, never a 500 and never a silent repair.
 */

const ROUTES = ['/v1/query', '/v1/retrieve'] as const;

describe.each(ROUTES)('bad input on POST %s', (route) => {
  let fx: HttpFixture;

  beforeAll(async () => {
    fx = await startHttpFixture();
    await ingestDocs(fx.app, [{ id: 'doc', text: 'Quokkas live on Rottnest Island near Perth.' }]);
  });
  afterAll(async () => {
    await fx.close();
  });

  it('a valid request is answered 200 (the baseline the cases below depart from)', async () => {
    const res = await postJson(fx.app, route, { query: 'quokkas' });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('empty query "" -> 400 naming the query field', async () => {
    const err = expectError(await postJson(fx.app, route, { query: '' }), 400, 'VALIDATION');
    expect(err.message).toMatch(/^query: /);
    expect(err.message).toMatch(/fewer than 1 characters/);
  });

  it('whitespace-only query -> 400 "no words"', async () => {
    const err = expectError(await postJson(fx.app, route, { query: '   ' }), 400, 'BAD_REQUEST');
    expect(err.message).toMatch(/no words/);
  });

  it('control characters only -> 400 "no words"', async () => {
    const err = expectError(await postJson(fx.app, route, { query: '\u0000\u0007\u200b\t\n' }), 400, 'BAD_REQUEST');
    expect(err.message).toMatch(/no words/);
  });

  it('a 1 MB query string -> 400 (length limit), not 413', async () => {
    const err = expectError(await postJson(fx.app, route, { query: 'a'.repeat(1_000_000) }), 400, 'VALIDATION');
    expect(err.message).toMatch(/^query: must NOT have more than 4096 characters/);
  });

  it('missing query -> 400 "query: is required"', async () => {
    const err = expectError(await postJson(fx.app, route, { k: 3 }), 400, 'VALIDATION');
    expect(err.message).toBe('query: is required');
  });

  it('malformed JSON -> 400 "not valid JSON"', async () => {
    const err = expectError(await postRaw(fx.app, route, '{"query":', 'application/json'), 400, 'BAD_REQUEST');
    expect(err.message).toMatch(/not valid JSON/);
  });

  it('JSON with a __proto__ key -> 400, not parsed into the prototype', async () => {
    const err = expectError(await postRaw(fx.app, route, '{"query":"x","__proto__":{"k":1}}', 'application/json'), 400, 'BAD_REQUEST');
    // Named, where it said "not valid JSON" of a body that is valid JSON.
    expect(err.message).toBe('the JSON body holds a "__proto__" or "constructor.prototype" key, which is refused');
  });

  it.each([
    ['query: 5', { query: 5 }, /^query: must be string/],
    ['k: "10"', { query: 'x', k: '10' }, /^k: must be integer/],
    ['k: 1.5', { query: 'x', k: 1.5 }, /^k: must be integer/],
    ['filter: "x"', { query: 'x', filter: 'x' }, /^filter: must be object/],
    // Every type the value may have, not the first ("must be string", before).
    ['filter value an object', { query: 'x', filter: { topic: { $ne: 1 } } }, /^filter\.topic: must be string, number or boolean$/],
    ['timeoutMs: 0', { query: 'x', timeoutMs: 0 }, /^timeoutMs: must be >= 1/],
  ])('wrong type or range (%s) -> 400 naming the field', async (_name, body, message) => {
    const err = expectError(await postJson(fx.app, route, body), 400, 'VALIDATION');
    expect(err.message).toMatch(message);
  });

  it('an unknown field -> 400 naming it', async () => {
    const err = expectError(await postJson(fx.app, route, { query: 'x', foo: 1 }), 400, 'VALIDATION');
    expect(err.message).toBe('unknown field "foo"');
  });

  it.each([
    [0, /^k: must be >= 1/],
    [1e9, /^k: must be <= 1000/],
    [-5, /^k: must be >= 1/],
  ])('k = %s -> 400 naming k and its bound', async (k, message) => {
    const err = expectError(await postJson(fx.app, route, { query: 'x', k }), 400, 'VALIDATION');
    expect(err.message).toMatch(message);
  });

  it('invalid UTF-8 bytes inside a JSON string -> 400 "not valid UTF-8"', async () => {
    const body = Buffer.concat([Buffer.from('{"query":"quo'), Buffer.from([0xff, 0xfe]), Buffer.from('kkas"}')]);
    const err = expectError(await postRaw(fx.app, route, body, 'application/json'), 400, 'BAD_REQUEST');
    expect(err.message).toMatch(/not valid UTF-8/);
  });

  it('a truncated multi-byte sequence -> 400 "not valid UTF-8"', async () => {
    const body = Buffer.concat([Buffer.from('{"query":"caf'), Buffer.from([0xc3]), Buffer.from('"}')]);
    const err = expectError(await postRaw(fx.app, route, body, 'application/json'), 400, 'BAD_REQUEST');
    expect(err.message).toMatch(/not valid UTF-8/);
  });

  it('a body nested thousands deep -> 400 saying so, before it is parsed', async () => {
    // Before, JSON.parse spent seconds on 16 MiB of brackets, then "filter: must be object".
    const deep = `{"query":"x","filter":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const err = expectError(await postRaw(fx.app, route, deep, 'application/json'), 400, 'BAD_REQUEST');
    expect(err.message).toBe('body nests more than 64 levels of arrays and objects (it nests 65)');
    // Brackets inside strings are text.
    expect((await postRaw(fx.app, route, JSON.stringify({ query: `${'['.repeat(100)} quokka` }), 'application/json')).statusCode).not.toBe(400);
  });

  it('a body that is an array -> 400 "body: must be object"', async () => {
    const err = expectError(await postRaw(fx.app, route, '[{"query":"x"}]', 'application/json'), 400, 'VALIDATION');
    expect(err.message).toBe('body: must be object');
  });

  it('a body that is a bare string -> 400 "body: must be object"', async () => {
    const err = expectError(await postRaw(fx.app, route, '"quokkas"', 'application/json'), 400, 'VALIDATION');
    expect(err.message).toBe('body: must be object');
  });

  it('a body that is null -> 400', async () => {
    const err = expectError(await postRaw(fx.app, route, 'null', 'application/json'), 400);
    expect(err.message).toMatch(/body/);
  });

  it('a missing body with content-type json -> 400 "body is empty"', async () => {
    const err = expectError(await postRaw(fx.app, route, undefined, 'application/json'), 400, 'BAD_REQUEST');
    expect(err.message).toMatch(/body is empty/);
  });

  it('a whitespace-only body with content-type json -> 400 "body is empty"', async () => {
    const err = expectError(await postRaw(fx.app, route, '  \n ', 'application/json'), 400, 'BAD_REQUEST');
    expect(err.message).toMatch(/body is empty/);
  });

  it('a query of punctuation only ("*()") -> 400 "no words"', async () => {
    const err = expectError(await postJson(fx.app, route, { query: '"*()"' }), 400, 'BAD_REQUEST');
    expect(err.message).toMatch(/no words/);
  });

  // BUG (src/server/plugins/strict-json.ts / app.ts): Fastify's default text/plain parser is still registered, so a
  // text/plain body is parsed as a string and answered 400 "body: must be object" instead of 415.
  it('content-type text/plain -> 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const err = expectError(await postRaw(fx.app, route, 'quokkas', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    // Before: only "Unsupported Media Type".
    expect(err.message).toBe('media type "text/plain" is not accepted: send the body as JSON, with content-type: application/json');
  });

  it.each(['application/x-www-form-urlencoded', 'application/xml', 'application/vnd.api+json'])(
    'content-type %s -> 415 UNSUPPORTED_MEDIA_TYPE',
    async (type) => {
      const err = expectError(await postRaw(fx.app, route, 'query=quokkas', type), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(err.message).toMatch(/media type/i);
    },
  );

  it('a compressed body (content-encoding gzip) -> 415 naming the encoding, not "not valid UTF-8"', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: route,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync('{"query":"quokkas"}'),
    });
    const err = expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(err.message).toBe('content-encoding "gzip" is not accepted: send the JSON body uncompressed');
    const identity = await fx.app.inject({ method: 'POST', url: route, headers: { 'content-type': 'application/json', 'content-encoding': 'identity' }, payload: '{"query":"quokkas"}' });
    expect(identity.statusCode, identity.body).toBe(200);
  });

  it('a body with no content-type at all -> 415', async () => {
    const err = expectError(await postRaw(fx.app, route, '{"query":"quokkas"}'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(err.message).toMatch(/^a body without a content-type is not accepted: send the body as JSON/);
  });

  it('no body and no content-type -> 400 "body is empty", as with a content-type (before: "body: must be object")', async () => {
    const err = expectError(await postRaw(fx.app, route, undefined), 400, 'BAD_REQUEST');
    expect(err.message).toBe('body is empty; expected a JSON object');
  });

  it('content-type json with a charset parameter is accepted', async () => {
    const res = await postRaw(fx.app, route, '{"query":"quokkas"}', 'application/json; charset=utf-8');
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('pipeline names on POST /v1/query', () => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture();
    await ingestDocs(fx.app, [{ id: 'doc', text: 'Quokkas live on Rottnest Island near Perth.' }]);
  });
  afterAll(async () => {
    await fx.close();
  });

  it('an unknown pipeline -> 400 UNKNOWN_PIPELINE naming it and the configured ones', async () => {
    const err = expectError(await postJson(fx.app, '/v1/query', { query: 'quokkas', pipeline: 'nope' }), 400, 'UNKNOWN_PIPELINE');
    expect(err.message).toMatch(/"nope"/);
    expect(err.message).toMatch(/default/);
    expect(err.message).toMatch(/bm25-only/);
  });

  it('an empty pipeline name -> 400 naming the field', async () => {
    const err = expectError(await postJson(fx.app, '/v1/query', { query: 'quokkas', pipeline: '' }), 400, 'VALIDATION');
    expect(err.message).toMatch(/^pipeline: /);
  });

  it('a prototype key as pipeline name (e.g. "constructor") -> 400 UNKNOWN_PIPELINE, not 500', async () => {
    expectError(await postJson(fx.app, '/v1/query', { query: 'quokkas', pipeline: 'constructor' }), 400, 'UNKNOWN_PIPELINE');
  });

  it('contextTokens out of range -> 400 naming it', async () => {
    const err = expectError(await postJson(fx.app, '/v1/query', { query: 'quokkas', contextTokens: 5 }), 400, 'VALIDATION');
    expect(err.message).toMatch(/^contextTokens: must be >= 32/);
  });
});

/** Query text that would be FTS5 syntax must be taken as plain words by both BM25 engines. */
describe.each(['memory', 'fts5'] as const)('FTS5 syntax in queries is never parsed (engine %s)', (engine) => {
  let fx: HttpFixture;

  beforeAll(async () => {
    fx = await startHttpFixture({ retrieval: { bm25: { engine } } });
    await ingestDocs(fx.app, [
      {
        id: 'syntax',
        text: 'An unbalanced wheel sits near the title block. The foo widget, the bar gauge and the baz dial are on the left.',
      },
      { id: 'other', text: 'Penguins waddle across the ice in large colonies.' },
    ]);
  });
  afterAll(async () => {
    await fx.close();
  });

  const cases: Array<[string, boolean]> = [
    ['"unbalanced', true],
    ['a AND b OR', false],
    ['NEAR(a b)', true],
    ['title:foo', true],
    ['foo*', true],
    ['-bar ^baz', true],
    ['(x', false],
    ['NOT AND OR', false],
    ['"near" + "title"', true],
    ["near' OR 1=1 --", true],
    ['{title body}: near', true],
  ];

  it.each(cases)('retrieve %j -> 200, literal words found: %s', async (query, found) => {
    const res = await postJson(fx.app, '/v1/retrieve', { query });
    const body = okBody<{ hits: HitView[] }>(res);
    expect(Array.isArray(body.hits)).toBe(true);
    if (found) expect(body.hits.map((h) => h.docId)).toContain('syntax');
    else expect(body.hits.map((h) => h.docId)).not.toContain('syntax');
    expect(body.hits.map((h) => h.docId)).not.toContain('other');
  });

  it.each(cases)('query %j -> 200, never 500', async (query, found) => {
    const res = await postJson(fx.app, '/v1/query', { query });
    const body = okBody<{ answer: string; abstained: boolean; passages: Array<{ docId: string }> }>(res);
    expect(typeof body.answer).toBe('string');
    if (found) expect(body.passages.map((p) => p.docId)).toContain('syntax');
  });

  it('the words "near" and "title" themselves are searchable', async () => {
    expect((await retrieveHits(fx.app, 'near')).map((h) => h.docId)).toEqual(['syntax']);
    expect((await retrieveHits(fx.app, 'title')).map((h) => h.docId)).toEqual(['syntax']);
    expect((await retrieveHits(fx.app, 'NEAR')).map((h) => h.docId)).toEqual(['syntax']);
  });

  it('a query of punctuation only -> 400 "no words" on this engine too', async () => {
    const err = expectError(await postJson(fx.app, '/v1/retrieve', { query: '"*()"' }), 400, 'BAD_REQUEST');
    expect(err.message).toMatch(/no words/);
  });
});
