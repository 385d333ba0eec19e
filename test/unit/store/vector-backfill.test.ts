import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DocumentInput } from '../../../src/core/types.js';
import { Ingestor } from '../../../src/store/ingestor.js';
import { passageText } from '../../../src/store/passage-text.js';
import { SqliteStore } from '../../../src/store/sqlite-store.js';
import { backfillVectors } from '../../../src/store/vector-backfill.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';
import { FailingEmbedder, HashingEmbedder } from '../../helpers/hashing-embedder.js';

let store: SqliteStore;
beforeEach(() => {
  store = new SqliteStore(':memory:');
});
afterEach(() => store.close());

const DOCS: DocumentInput[] = Array.from({ length: 10 }, (_, i) => ({ id: `doc${i}`, title: `Topic ${i}`, text: `Words about subject number ${i} and its details.` }));
const plainIngest = (docs: DocumentInput[]) => new Ingestor(store, { chunkSize: 400, chunkOverlap: 40, maxDocumentChars: 10_000 }).ingest(docs);

describe('backfillVectors', () => {
  it('computes a vector for every chunk that lacks one, in batches, reporting progress', async () => {
    await plainIngest(DOCS);
    const embedder = new HashingEmbedder({ dimensions: 32 });
    const progress: Array<[number, number]> = [];
    const r = await backfillVectors(store, embedder, { batchSize: 4, embedBatchSize: 3, onProgress: (d, t) => progress.push([d, t]) });
    expect(r).toEqual({ space: { model: embedder.name, dimensions: 32 }, missing: 10, written: 10, chunks: 10 });
    expect(progress).toEqual([
      [0, 10],
      [4, 10],
      [8, 10],
      [10, 10],
    ]);
    expect(embedder.calls.map((c) => c.texts.length)).toEqual([3, 1, 3, 1, 2]);
    expect(store.vectorStatus()).toEqual({ space: r.space, chunks: 10, vectors: 10 });
    // Each vector is the embedder's vector of the chunk's passage text.
    for (const chunk of store.allChunks()) {
      const [hit] = store.nearestChunks(embedder.vectorOf(passageText(chunk)), 1);
      expect(hit?.rowid).toBe(chunk.rowid);
    }
    // Nothing left to do the second time.
    expect((await backfillVectors(store, embedder, { batchSize: 4, embedBatchSize: 3 })).written).toBe(0);
  });

  it('keeps the batches written before a failure, and a second run completes the rest', async () => {
    await plainIngest(DOCS);
    const err = await ragErrorOfAsync(() => backfillVectors(store, new FailingEmbedder(2, { dimensions: 32, name: 'm' }), { batchSize: 3, embedBatchSize: 3 }));
    expect(err.code).toBe('UNAVAILABLE');
    expect(store.vectorStatus().vectors).toBe(6);
    // Chunk numbers count among all the chunks the backfill computes, and the message says what was kept.
    expect(err.message).toContain('embedder "m" failed on chunks 7-9 of 10');
    expect(err.message).toContain('the 6 vectors stored before it are kept: run `rag reindex --vectors` again to resume');
    expect(err.details?.['written']).toBe(6);
    const embedder = new HashingEmbedder({ dimensions: 32, name: 'm' });
    const r = await backfillVectors(store, embedder, { batchSize: 3, embedBatchSize: 3 });
    expect(r.missing).toBe(4);
    expect(r.written).toBe(4);
    expect(store.vectorStatus()).toEqual({ space: { model: 'm', dimensions: 32 }, chunks: 10, vectors: 10 });
  });

  it('refuses another model unless asked to rebuild, then recomputes every vector', async () => {
    await new Ingestor(store, { chunkSize: 400, chunkOverlap: 40, maxDocumentChars: 10_000, embedder: new HashingEmbedder({ dimensions: 32 }) }).ingest(DOCS);
    const next = new HashingEmbedder({ dimensions: 48, name: 'next-model' });
    const err = await ragErrorOfAsync(() => backfillVectors(store, next, { batchSize: 100, embedBatchSize: 8 }));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('"next-model" (48 dimensions)');
    const r = await backfillVectors(store, next, { batchSize: 100, embedBatchSize: 8, rebuild: true });
    expect(r.written).toBe(10);
    expect(store.vectorStatus()).toEqual({ space: { model: 'next-model', dimensions: 48 }, chunks: 10, vectors: 10 });
  });

  it('does nothing on an empty store', async () => {
    const r = await backfillVectors(store, new HashingEmbedder(), { batchSize: 10, embedBatchSize: 10 });
    expect(r.written).toBe(0);
    expect(store.embeddingSpace()).toBeNull();
  });
});
