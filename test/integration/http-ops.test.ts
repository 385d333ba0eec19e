import { createConnection } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/core/config.js';
import { RagError } from '../../src/core/errors.js';
import type { StoredDocument } from '../../src/core/types.js';
import { Rag } from '../../src/rag.js';
import {
  expectError,
  httpTestConfig,
  ingestDocs,
  okBody,
  postJson,
  postRaw,
  readiness,
  retrieveHits,
  startHttpFixture,
  type HttpFixture,
} from '../helpers/http-fixture.js';

/** Operations: health, readiness, the OpenAPI document, 404s, request ids, body limits, persistence, config. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('health, readiness, OpenAPI, not found, request ids', () => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture();
  });
  afterAll(async () => {
    await fx.close();
  });

  it('GET /healthz -> 200 {status: "ok"}', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/healthz' });
    expect(okBody<{ status: string }>(res)).toEqual({ status: 'ok' });
  });

  it('GET /readyz -> 200 ready with counts and version, which follow ingestion', async () => {
    const empty = await readiness(fx.app);
    expect(empty).toEqual({ ready: true, documents: 0, chunks: 0, version: 0, models: [] });
    await ingestDocs(fx.app, [
      { id: 'r1', text: 'One paragraph.' },
      { id: 'r2', format: 'markdown', text: '# T\n\nIntro.\n\n## A\n\nSection a.\n\n## B\n\nSection b.' },
    ]);
    const after = await readiness(fx.app);
    expect(after.ready).toBe(true);
    expect(after.documents).toBe(2);
    expect(after.chunks).toBe(4);
    expect(after.version).toBe(1);
  });

  it('GET /docs/json is an OpenAPI 3 document listing the API routes', async () => {
    const doc = okBody<{ openapi: string; info: { title: string }; paths: Record<string, Record<string, unknown>> }>(
      await fx.app.inject({ method: 'GET', url: '/docs/json' }),
    );
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title.length).toBeGreaterThan(0);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/query', '/v1/retrieve', '/v1/documents', '/v1/documents/{id}', '/healthz', '/readyz', '/metrics']));
    // Every route the API documents is in the document: /metrics was added before the document heard of routes.
    expect(doc.paths['/metrics']).toHaveProperty('get');
    // Every /v1/ operation documents its errors, 4xx and 5xx, so a generated client reads their bodies as typed.
    for (const [path, methods] of Object.entries(doc.paths).filter(([p]) => p.startsWith('/v1/'))) {
      for (const [method, op] of Object.entries(methods)) {
        expect(Object.keys((op as { responses: object }).responses), `${method} ${path}`).toEqual(expect.arrayContaining(['4XX', '5XX']));
      }
    }
    expect(doc.paths['/v1/query']).toHaveProperty('post');
    expect(doc.paths['/v1/retrieve']).toHaveProperty('post');
    expect(doc.paths['/v1/documents']).toHaveProperty('post');
    expect(doc.paths['/v1/documents/{id}']).toHaveProperty('get');
    expect(doc.paths['/v1/documents/{id}']).toHaveProperty('delete');
    expect(JSON.stringify(doc.paths['/v1/query'])).toMatch(/"required":\["query"\]/);
    // A streamed answer is a documented response too (before, only JSON was listed).
    const answers = (path: string) => Object.keys((doc.paths[path]?.['post'] as { responses: Record<string, { content: object }> }).responses['200']?.content ?? {});
    expect(answers('/v1/query')).toEqual(['application/json', 'text/event-stream']);
    expect(answers('/v1/chat/completions')).toEqual(['application/json', 'text/event-stream']);
  });

  it('times out a request whose body never finishes arriving, and reads a trailing slash as the route without it', async () => {
    // Fastify's default is no limit: a body sent a byte at a time held its connection for ever. A real socket, with a
    // short deadline: Node also ignored a request timeout under its headers timeout (60 s).
    const slow = await startHttpFixture({ server: { requestTimeoutMs: 500 } });
    try {
      const address = await slow.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = new URL(address);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = createConnection({ host: '127.0.0.1', port: Number(port) }, () => {
          socket.write('POST /v1/query HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"q');
        });
        let data = '';
        socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
        setTimeout(() => {
          socket.destroy();
          resolve(data);
        }, 5000);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await slow.close();
    }
    // Before, "/v1/models/" was the model route with an empty id: a 400.
    const list = await fx.app.inject({ method: 'GET', url: '/v1/models/' });
    expect(list.statusCode).toBe(200);
    expect(list.json<{ object: string }>().object).toBe('list');
  });

  it('an unknown route -> 404 NOT_FOUND naming method and path', async () => {
    const err = expectError(await fx.app.inject({ method: 'GET', url: '/v1/nothing?x=1' }), 404, 'NOT_FOUND');
    expect(err.message).toBe('no route GET /v1/nothing');
    expect(err.error).toBe('Not Found');
  });

  it('a known path with the wrong method -> 404 NOT_FOUND', async () => {
    const err = expectError(await fx.app.inject({ method: 'GET', url: '/v1/query' }), 404, 'NOT_FOUND');
    expect(err.message).toMatch(/GET \/v1\/query/);
  });

  it('every response carries a fresh x-request-id, equal to the error body requestId', async () => {
    const responses = await Promise.all([
      fx.app.inject({ method: 'GET', url: '/healthz' }),
      fx.app.inject({ method: 'GET', url: '/readyz' }),
      fx.app.inject({ method: 'GET', url: '/nope' }),
      fx.app.inject({ method: 'GET', url: '/docs/json' }),
      postJson(fx.app, '/v1/retrieve', { query: 'paragraph' }),
      postJson(fx.app, '/v1/query', { query: 'paragraph' }),
      postJson(fx.app, '/v1/query', { query: '' }),
      postRaw(fx.app, '/v1/query', '{"query":', 'application/json'),
      postRaw(fx.app, '/v1/query', 'x=1', 'application/x-www-form-urlencoded'),
      fx.app.inject({ method: 'GET', url: '/v1/documents/none' }),
      fx.app.inject({ method: 'DELETE', url: '/v1/documents/none' }),
    ]);
    const ids = responses.map((r) => r.headers['x-request-id']);
    for (const [i, id] of ids.entries()) {
      expect(typeof id, `response ${i}`).toBe('string');
      expect(id).toMatch(UUID);
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of responses.filter((x) => x.statusCode >= 400)) expectError(r, r.statusCode);
  });

  it('a request sent with x-request-id: abc gets abc back, on success and on error', async () => {
    const ok = await fx.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['x-request-id']).toBe('abc');

    const bad = await postJson(fx.app, '/v1/query', { query: 5 }, { 'x-request-id': 'abc' });
    expect(bad.headers['x-request-id']).toBe('abc');
    expect(expectError(bad, 400, 'VALIDATION').requestId).toBe('abc');

    const missing = await fx.app.inject({ method: 'GET', url: '/missing', headers: { 'x-request-id': 'abc' } });
    expect(expectError(missing, 404, 'NOT_FOUND').requestId).toBe('abc');
  });
});

describe('readiness when the store is gone', () => {
  it('GET /readyz -> 503 {ready: false, reason} once the store is closed; /healthz still 200', async () => {
    const fx = await startHttpFixture();
    try {
      fx.rag.store.close();
      const res = await fx.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      const body = res.json<{ ready: boolean; reason?: string }>();
      expect(body.ready).toBe(false);
      expect(body.reason).toMatch(/store unavailable/);
      expect((await fx.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await fx.close();
    }
  });
});

describe('configured limits', () => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture({
      server: { bodyLimitBytes: 4096 },
      limits: { maxQueryChars: 32, maxK: 5, maxBatchDocuments: 2, maxDocumentChars: 200 },
    });
  });
  afterAll(async () => {
    await fx.close();
  });

  it('a body over server.bodyLimitBytes -> 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await postJson(fx.app, '/v1/documents', { documents: [{ id: 'big', text: 'x '.repeat(5000) }] });
    const err = expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    // The limit is named, with the setting and what to do.
    expect(err.message).toMatch(/^request body is larger than \d+ bytes .*server\.bodyLimitBytes: split the documents/);
    expect((await readiness(fx.app)).documents).toBe(0);
  });

  it('a query over limits.maxQueryChars -> 400 naming the limit', async () => {
    const err = expectError(await postJson(fx.app, '/v1/query', { query: 'q'.repeat(33) }), 400, 'VALIDATION');
    expect(err.message).toBe('query: must NOT have more than 32 characters');
    expect((await postJson(fx.app, '/v1/retrieve', { query: 'q'.repeat(32) })).statusCode).toBe(200);
  });

  it('k over limits.maxK -> 400 naming the limit', async () => {
    const err = expectError(await postJson(fx.app, '/v1/retrieve', { query: 'x', k: 6 }), 400, 'VALIDATION');
    expect(err.message).toBe('k: must be <= 5');
  });

  it('a batch over limits.maxBatchDocuments -> 400, nothing stored', async () => {
    const documents = [1, 2, 3].map((i) => ({ id: `b${i}`, text: `doc ${i}` }));
    const err = expectError(await postJson(fx.app, '/v1/documents', { documents }), 400, 'VALIDATION');
    expect(err.message).toBe('documents: must NOT have more than 2 items');
    expect((await readiness(fx.app)).documents).toBe(0);
  });

  it('a document over limits.maxDocumentChars -> 400 naming it, nothing stored', async () => {
    const documents = [
      { id: 'ok', text: 'short' },
      { id: 'long', text: 'y'.repeat(201) },
    ];
    const err = expectError(await postJson(fx.app, '/v1/documents', { documents }), 400, 'VALIDATION');
    expect(err.message).toBe('documents.1.text: must NOT have more than 200 characters');
    expect((await readiness(fx.app)).documents).toBe(0);
  });
});

describe('a file-backed store', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rag-http-fixture-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps documents across a restart of the app', async () => {
    const path = join(dir, 'restart', 'rag.db');
    const first = await startHttpFixture({ store: { path } });
    try {
      await ingestDocs(first.app, [{ id: 'persist', format: 'markdown', text: '# Kept\n\n## Part\n\nThe bandicoot persists.' }]);
    } finally {
      await first.close();
    }
    const second = await startHttpFixture({ store: { path } });
    try {
      expect(await readiness(second.app)).toMatchObject({ ready: true, documents: 1, chunks: 1, version: 1 });
      const doc = okBody<StoredDocument>(await second.app.inject({ method: 'GET', url: '/v1/documents/persist' }));
      expect(doc.title).toBe('Kept');
      const hits = await retrieveHits(second.app, 'bandicoot');
      expect(hits.map((h) => h.docId)).toEqual(['persist']);
      expect(hits[0]?.headingPath).toEqual(['Part']);
    } finally {
      await second.close();
    }
  });

  it.each(['memory', 'fts5'] as const)('sees documents another connection (e.g. `rag ingest`) commits (engine %s)', async (engine) => {
    const path = join(dir, `shared-${engine}.db`);
    const fx = await startHttpFixture({ store: { path }, retrieval: { bm25: { engine } } });
    const other = new Rag(httpTestConfig({ store: { path }, retrieval: { bm25: { engine } } }));
    try {
      await ingestDocs(fx.app, [{ id: 'mine', text: 'The quoll hunts at night.' }]);
      expect((await retrieveHits(fx.app, 'quoll')).map((h) => h.docId)).toEqual(['mine']);

      await other.ingest([{ id: 'theirs', text: 'The bilby and the quoll share a habitat.' }]);
      expect(new Set((await retrieveHits(fx.app, 'quoll')).map((h) => h.docId))).toEqual(new Set(['mine', 'theirs']));
      expect((await retrieveHits(fx.app, 'bilby')).map((h) => h.docId)).toEqual(['theirs']);

      expect(other.delete('mine')).toBe(true);
      expect((await retrieveHits(fx.app, 'quoll')).map((h) => h.docId)).toEqual(['theirs']);
      expect((await readiness(fx.app)).documents).toBe(1);
    } finally {
      other.close();
      await fx.close();
    }
  });
});

describe('configuration errors', () => {
  const configError = (tree: unknown): RagError => {
    try {
      validateConfig(tree);
    } catch (err) {
      if (err instanceof RagError) return err;
      throw err;
    }
    throw new Error('validateConfig accepted an invalid configuration');
  };

  it('an unknown top-level key is rejected, naming it', () => {
    const err = configError({ bogus: 1 });
    expect(err.code).toBe('CONFIG');
    expect(err.message).toMatch(/bogus/);
  });

  it('an unknown nested key is rejected with its dotted path', () => {
    const err = configError({ server: { prot: 3000 } });
    expect(err.code).toBe('CONFIG');
    expect(err.message).toMatch(/server\.prot/);
  });

  it('the packaged defaults with the test overrides are valid', () => {
    const config = httpTestConfig();
    expect(config.store.path).toBe(':memory:');
    expect(config.server.logLevel).toBe('silent');
    expect(Object.keys(config.pipelines)).toEqual(expect.arrayContaining(['default', 'bm25-only']));
  });
});
