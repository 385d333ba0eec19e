import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentInput } from '../../src/core/types.js';
import { Rag, type QueryResponse, type RetrieveResponse } from '../../src/rag.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { FailingEmbedder, HashingEmbedder } from '../helpers/hashing-embedder.js';
import { expectError, httpTestConfig, ingestDocs, okBody, postJson, readiness, retrieveHits, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { makeTempDir } from '../helpers/tmp.js';

/** Dense and hybrid retrieval over HTTP, with a real (feature-hashing) embedder. */

const CORPUS: DocumentInput[] = [
  { id: 'ingestion', format: 'markdown', text: '# Ingestion\n\n## Ingesting documents\n\nPOST a JSON batch of documents to /v1/documents to ingest them.', meta: { topic: 'ops' } },
  { id: 'cooking', text: 'Pasta should be boiled in salted water for about ten minutes until it is al dente.', meta: { topic: 'food' } },
  { id: 'astronomy', text: 'Stars are giant balls of hot plasma held together by their own gravity.', meta: { topic: 'space' } },
  { id: 'archive', text: 'The city archive keeps old documents and maps in climate-controlled boxes.', meta: { topic: 'history' } },
];

describe('POST /v1/retrieve with dense and hybrid retrievers', () => {
  let fx: HttpFixture;
  const embedder = new HashingEmbedder({ dimensions: 128, name: 'test/hashing-128' });

  beforeAll(async () => {
    fx = await startHttpFixture(
      { retrieval: { hybrid: { depth: 10 } }, pipelines: { semantic: { kind: 'sequential', retriever: 'hybrid' } } },
      { embedder },
    );
    await ingestDocs(fx.app, CORPUS);
  });
  afterAll(async () => {
    await fx.close();
  });

  it('hybrid returns fused hits, with the bm25, dense, embedding and fusion spans in the trace', async () => {
    const body = okBody<RetrieveResponse>(await postJson(fx.app, '/v1/retrieve', { query: 'how to ingest documents', k: 3, retriever: 'hybrid' }));
    expect(body.hits).toHaveLength(3);
    expect(body.hits[0]).toMatchObject({ docId: 'ingestion', source: 'hybrid', headingPath: ['Ingesting documents'] });
    expect(new Set(body.hits.map((h) => h.id)).size).toBe(3);
    for (let i = 1; i < body.hits.length; i++) expect(body.hits[i]?.score).toBeLessThanOrEqual(body.hits[i - 1]?.score ?? Infinity);
    const spans = new Map(body.trace.spans.map((s) => [s.name, s]));
    for (const name of ['query.plan', 'retrieve.bm25', 'retrieve.dense', `embed.${embedder.name}`, 'fuse.rrf', 'retrieve.hybrid']) {
      expect(spans.has(name), name).toBe(true);
    }
    expect(spans.get('retrieve.bm25')?.attrs?.['k']).toBe(10);
    expect(spans.get('retrieve.dense')?.attrs?.['k']).toBe(10);
    expect(spans.get('retrieve.hybrid')?.attrs).toEqual({ k: 3, hits: 3 });
  });

  it('dense returns cosine-scored hits from "dense"; the default stays bm25', async () => {
    const dense = await retrieveHits(fx.app, 'hot plasma stars and gravity', { k: 2, retriever: 'dense' });
    expect(dense[0]).toMatchObject({ docId: 'astronomy', source: 'dense' });
    expect(dense[0]?.score).toBeGreaterThan(0);
    expect(dense[0]?.score).toBeLessThanOrEqual(1 + 1e-6);
    expect((await retrieveHits(fx.app, 'plasma', { k: 2 }))[0]?.source).toBe('bm25');
  });

  it('filters dense and hybrid hits by metadata', async () => {
    for (const retriever of ['dense', 'hybrid']) {
      const hits = await retrieveHits(fx.app, 'documents', { k: 10, retriever, filter: { topic: 'history' } });
      expect(hits.map((h) => h.docId)).toEqual(['archive']);
    }
  });

  it('keeps vectors in step with documents replaced and deleted over HTTP', async () => {
    await ingestDocs(fx.app, [{ id: 'temp', text: 'Zebras graze on the savanna grass.' }]);
    expect((await retrieveHits(fx.app, 'zebras savanna', { k: 1, retriever: 'dense' }))[0]?.docId).toBe('temp');
    await ingestDocs(fx.app, [{ id: 'temp', text: 'Penguins huddle on the ice shelf.' }]);
    expect((await retrieveHits(fx.app, 'zebras savanna', { k: 5, retriever: 'dense' })).filter((h) => h.docId === 'temp' && h.score > 0.3)).toEqual([]);
    expect((await retrieveHits(fx.app, 'penguins ice shelf', { k: 1, retriever: 'dense' }))[0]?.docId).toBe('temp');
    expect((await fx.app.inject({ method: 'DELETE', url: '/v1/documents/temp' })).statusCode).toBe(200);
    expect((await retrieveHits(fx.app, 'penguins ice shelf', { k: 10, retriever: 'dense' })).some((h) => h.docId === 'temp')).toBe(false);
    const ready = await readiness(fx.app);
    expect(fx.rag.store.vectorStatus()).toMatchObject({ chunks: ready.chunks, vectors: ready.chunks });
  });

  it('answers through a pipeline configured with the hybrid retriever', async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'how do I ingest documents?', pipeline: 'semantic' }));
    expect(body.citations[0]?.docId).toBe('ingestion');
    expect(body.trace.spans.map((s) => s.name)).toEqual(expect.arrayContaining(['retrieve.bm25', 'retrieve.dense', 'retrieve.hybrid', 'pipeline.semantic']));
  });

  it('rejects an unknown retriever name with 400 naming the field', async () => {
    const err = expectError(await postJson(fx.app, '/v1/retrieve', { query: 'x', retriever: 'splade' }), 400, 'VALIDATION');
    expect(err.message).toContain('retriever');
  });
});

describe('dense retrieval over HTTP without, or with a failing, embedder', () => {
  it('answers 400 for dense or hybrid when no embedder is configured', async () => {
    const fx = await startHttpFixture();
    try {
      await ingestDocs(fx.app, CORPUS);
      for (const retriever of ['dense', 'hybrid']) {
        const err = expectError(await postJson(fx.app, '/v1/retrieve', { query: 'plasma', retriever }), 400, 'BAD_REQUEST');
        expect(err.message).toContain(`retriever "${retriever}" needs an embedding model`);
      }
    } finally {
      await fx.close();
    }
  });

  it('answers 503 when the embedder fails during ingestion, storing nothing of the batch', async () => {
    const fx = await startHttpFixture({ retrieval: { dense: { embedBatchSize: 2 } } }, { embedder: new FailingEmbedder(1, { name: 'flaky' }) });
    try {
      const err = expectError(await postJson(fx.app, '/v1/documents', { documents: CORPUS }), 503, 'UNAVAILABLE');
      expect(err.message).toContain('embedder "flaky" failed');
      expect(err.message).toContain('nothing of this batch was stored');
      expect(await readiness(fx.app)).toMatchObject({ documents: 0, chunks: 0 });
    } finally {
      await fx.close();
    }
  });
});

describe('dense retrieval when another process changes the store\'s vectors under a running server', () => {
  const tmp = makeTempDir('rag-dense-changed-');
  afterAll(() => tmp.cleanup());

  /** A server on a store file, and another process's view of the same store (`rag reindex` run beside it). */
  async function serverAndOther(name: string): Promise<{ fx: HttpFixture; path: string }> {
    const path = join(tmp.dir, `${name}.db`);
    const fx = await startHttpFixture(
      { store: { path }, cache: { enabled: false }, pipelines: { semantic: { kind: 'sequential', retriever: 'hybrid' } } },
      { embedder: new HashingEmbedder({ dimensions: 64, name: 'test/hashing-64' }) },
    );
    await ingestDocs(fx.app, CORPUS);
    return { fx, path };
  }

  it('answers 503 saying why, when the vectors were rebuilt with another model, and stores nothing', async () => {
    const { fx, path } = await serverAndOther('rebuilt');
    try {
      expect((await retrieveHits(fx.app, 'hot plasma stars', { k: 2, retriever: 'dense' }))[0]?.docId).toBe('astronomy');
      // `rag reindex --vectors --rebuild` with another model of the same dimension, from another process.
      const other = new Rag(httpTestConfig({ store: { path } }), { embedder: new HashingEmbedder({ dimensions: 64, name: 'test/other-64' }) });
      await other.reindexVectors({ rebuild: true });
      other.close();
      // Before: 200 with the other model's vectors ranked against this one's query vector.
      const dense = expectError(await postJson(fx.app, '/v1/retrieve', { query: 'hot plasma stars', k: 2, retriever: 'dense' }), 503, 'UNAVAILABLE');
      expect(dense.message).toMatch(/dense retrieval is unavailable: store .* holds vectors from embedding model "test\/other-64".*configured embedder is "test\/hashing-64".*changed after this server started/);
      expectError(await postJson(fx.app, '/v1/query', { query: 'what are stars?', pipeline: 'semantic' }), 503, 'UNAVAILABLE');
      // Before: a 500 CONFIG.
      const write = expectError(await postJson(fx.app, '/v1/documents', { documents: [{ id: 'late', text: 'Written after the rebuild.' }] }), 503, 'UNAVAILABLE');
      expect(write.message).toContain('nothing of this batch was stored');
      expect((await fx.app.inject({ method: 'GET', url: '/v1/documents/late' })).statusCode).toBe(404);
      // BM25 answers on; readiness says what is wrong (ready, as the default pipeline retrieves with BM25).
      expect((await retrieveHits(fx.app, 'hot plasma stars', { k: 1 }))[0]?.docId).toBe('astronomy');
      const ready = await fx.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json<{ reason?: string }>().reason).toMatch(/^degraded: vectors: store .* holds vectors from embedding model "test\/other-64".*; dense and hybrid retrieval and ingestion answer 503/);
    } finally {
      await fx.close();
    }
  });

  it('answers 503 when they were dropped, and answers again once they are computed', async () => {
    const { fx, path } = await serverAndOther('dropped');
    try {
      const other = new SqliteStore(path);
      other.dropVectors();
      other.close();
      // Before: 200 with no hits, and hybrid quietly BM25 alone.
      expect(expectError(await postJson(fx.app, '/v1/retrieve', { query: 'hot plasma stars', k: 2, retriever: 'dense' }), 503, 'UNAVAILABLE').message).toMatch(
        /holds no vectors for its 4 chunks .*rag reindex --vectors/,
      );
      expectError(await postJson(fx.app, '/v1/retrieve', { query: 'hot plasma stars', k: 2, retriever: 'hybrid' }), 503, 'UNAVAILABLE');
      const again = new Rag(httpTestConfig({ store: { path } }), { embedder: new HashingEmbedder({ dimensions: 64, name: 'test/hashing-64' }) });
      await again.reindexVectors();
      again.close();
      expect((await retrieveHits(fx.app, 'hot plasma stars', { k: 2, retriever: 'dense' }))[0]?.docId).toBe('astronomy');
    } finally {
      await fx.close();
    }
  });
});
