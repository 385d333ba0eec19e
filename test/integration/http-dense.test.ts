import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentInput } from '../../src/core/types.js';
import type { QueryResponse, RetrieveResponse } from '../../src/rag.js';
import { FailingEmbedder, HashingEmbedder } from '../helpers/hashing-embedder.js';
import { expectError, ingestDocs, okBody, postJson, readiness, retrieveHits, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

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
