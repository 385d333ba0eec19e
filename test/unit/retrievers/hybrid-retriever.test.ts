import { afterEach, describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import type { DocumentInput, RetrieveOptions, ScoredChunk } from '../../../src/core/types.js';
import { Bm25Retriever } from '../../../src/retrievers/bm25-retriever.js';
import { DenseRetriever } from '../../../src/retrievers/dense-retriever.js';
import { entropyWeights, normalizedScoreFusion, reciprocalRankFusion } from '../../../src/retrievers/fusion.js';
import { HybridRetriever, type HybridRetrieverOptions } from '../../../src/retrievers/hybrid-retriever.js';
import { Retriever } from '../../../src/retrievers/retriever.js';
import { Ingestor } from '../../../src/store/ingestor.js';
import { SqliteStore } from '../../../src/store/sqlite-store.js';
import { HashingEmbedder } from '../../helpers/hashing-embedder.js';

const TOPICS = ['river boats and canals', 'mountain hiking trails', 'bread baking with yeast', 'garden tomatoes and basil', 'jazz piano chords'];
const CORPUS: DocumentInput[] = TOPICS.flatMap((topic, t) =>
  Array.from({ length: 6 }, (_, i) => ({
    id: `t${t}-${i}`,
    title: `${topic.split(' ')[0]} notes ${i}`,
    text: `${topic} ${i % 2 === 0 ? 'with extra detail' : 'briefly'} and ${TOPICS[(t + i) % TOPICS.length]}`,
    meta: { group: t % 2 === 0 ? 'even' : 'odd' },
  })),
);

const BASE: HybridRetrieverOptions = { fusion: 'rrf', rrfK: 60, weights: { bm25: 1, dense: 1 }, entropyWeights: false, depth: 20 };

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

async function setup() {
  const store = new SqliteStore(':memory:');
  const embedder = new HashingEmbedder({ dimensions: 64 });
  await new Ingestor(store, { chunkSize: 400, chunkOverlap: 40, maxDocumentChars: 10_000, embedder }).ingest(CORPUS);
  const bm25 = new Bm25Retriever(store, { engine: 'memory', k1: 0.9, b: 0.4, maxQueryTerms: 64 });
  cleanups.push(() => {
    bm25.close();
    store.close();
  });
  const dense = new DenseRetriever(store, embedder);
  const members = [
    { name: 'bm25', retriever: bm25 },
    { name: 'dense', retriever: dense },
  ];
  return { store, bm25, dense, embedder, hybrid: (o: Partial<HybridRetrieverOptions> = {}) => new HybridRetriever(members, { ...BASE, ...o }) };
}

const QUERY = 'tomatoes in the garden and river canals';
const strip = (hits: ScoredChunk[]) => hits.map((h) => ({ id: h.id, score: h.score }));

describe('HybridRetriever', () => {
  it('fuses BM25 and dense with weighted RRF on chunk ids, to k, from "hybrid"', async () => {
    const { bm25, dense, hybrid } = await setup();
    const ctx = new RunContext();
    const hits = await hybrid({ weights: { bm25: 2, dense: 1 } }).retrieve(QUERY, { k: 7 }, ctx);
    const lexical = await bm25.retrieve(QUERY, { k: 20 }, new RunContext());
    const vectors = await dense.retrieve(QUERY, { k: 20 }, new RunContext());
    const expected = reciprocalRankFusion(
      [
        { hits: lexical, weight: 2 },
        { hits: vectors, weight: 1 },
      ],
      { k: 60, limit: 7 },
    );
    expect(strip(hits)).toEqual(strip(expected));
    expect(hits).toHaveLength(7);
    expect(new Set(hits.map((h) => h.id)).size).toBe(7);
    expect(hits.every((h) => h.source === 'hybrid')).toBe(true);
    // Both retrievers ran to the candidate depth, each with its own span, then the fusion.
    const spans = new Map(ctx.trace.spans.map((s) => [s.name, s]));
    expect(spans.get('retrieve.bm25')?.attrs?.['k']).toBe(20);
    expect(spans.get('retrieve.dense')?.attrs?.['k']).toBe(20);
    expect(spans.get('fuse.rrf')?.attrs).toEqual({ hits: 7, bm25Weight: 2, denseWeight: 1 });
    expect(spans.get('retrieve.hybrid')?.attrs).toEqual({ k: 7, hits: 7 });
    expect(ctx.trace.spans.map((s) => s.name).at(-1)).toBe('retrieve.hybrid');
  });

  it('returns chunks from the candidate lists only, each once', async () => {
    const { bm25, dense, hybrid } = await setup();
    const union = new Set([
      ...(await bm25.retrieve(QUERY, { k: 6 }, new RunContext())).map((h) => h.id),
      ...(await dense.retrieve(QUERY, { k: 6 }, new RunContext())).map((h) => h.id),
    ]);
    const hits = await hybrid({ depth: 6 }).retrieve(QUERY, { k: 6 }, new RunContext());
    expect(hits).toHaveLength(6);
    expect(new Set(hits.map((h) => h.id)).size).toBe(6);
    for (const h of hits) expect(union.has(h.id)).toBe(true);
  });

  it('asks the sub-retrievers for k when k is above the depth', async () => {
    const { hybrid } = await setup();
    const ctx = new RunContext();
    await hybrid({ depth: 5 }).retrieve(QUERY, { k: 12 }, ctx);
    expect(ctx.trace.spans.find((s) => s.name === 'retrieve.dense')?.attrs?.['k']).toBe(12);
  });

  it('fuses min-max normalised scores with weights when configured', async () => {
    const { bm25, dense, hybrid } = await setup();
    const hits = await hybrid({ fusion: 'normalized', weights: { bm25: 0.5, dense: 1.5 } }).retrieve(QUERY, { k: 10 }, new RunContext());
    const expected = normalizedScoreFusion(
      [
        { hits: await bm25.retrieve(QUERY, { k: 20 }, new RunContext()), weight: 0.5 },
        { hits: await dense.retrieve(QUERY, { k: 20 }, new RunContext()), weight: 1.5 },
      ],
      { limit: 10 },
    );
    expect(strip(hits)).toEqual(strip(expected));
  });

  it('scales the weights by entropy per query when asked, and shows them in the trace', async () => {
    const { bm25, dense, hybrid } = await setup();
    const ctx = new RunContext();
    const hits = await hybrid({ entropyWeights: true, weights: { bm25: 1, dense: 3 } }).retrieve(QUERY, { k: 10 }, ctx);
    const lexical = await bm25.retrieve(QUERY, { k: 20 }, new RunContext());
    const vectors = await dense.retrieve(QUERY, { k: 20 }, new RunContext());
    const [eb, ed] = entropyWeights([{ hits: lexical }, { hits: vectors }]);
    const weights = [1 * (eb ?? 1), 3 * (ed ?? 1)];
    const expected = reciprocalRankFusion(
      [
        { hits: lexical, weight: weights[0] },
        { hits: vectors, weight: weights[1] },
      ],
      { k: 60, limit: 10 },
    );
    expect(strip(hits)).toEqual(strip(expected));
    const attrs = ctx.trace.spans.find((s) => s.name === 'fuse.rrf')?.attrs;
    expect(attrs?.['bm25Weight']).toBeCloseTo(weights[0] ?? NaN, 3);
    expect(attrs?.['denseWeight']).toBeCloseTo(weights[1] ?? NaN, 3);
    expect(eb).not.toBeCloseTo(1, 3);
  });

  it('passes the filter to both retrievers', async () => {
    const { hybrid } = await setup();
    const hits = await hybrid().retrieve(QUERY, { k: 30, filter: { group: 'odd' } }, new RunContext());
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => ['t1', 't3'].includes(h.docId.split('-')[0] ?? ''))).toBe(true);
  });

  it('fuses any number of members under its own name, starting the ones that work on the calling thread last', async () => {
    const { bm25, dense } = await setup();
    const started: string[] = [];
    /** Notes when each member's retrieval starts; the BM25 one works synchronously, as the in-memory engine does. */
    const noting = (name: string, inner: Retriever, synchronous: boolean): Retriever =>
      new (class extends Retriever {
        readonly name = name;
        override readonly synchronous = synchronous;
        protected doRetrieve(query: string, options: RetrieveOptions, ctx: RunContext): Promise<ScoredChunk[]> {
          started.push(name);
          return inner.retrieve(query, options, ctx);
        }
      })();
    const three = new HybridRetriever(
      [
        { name: 'bm25', retriever: noting('lexical', bm25, true) },
        { name: 'dense', retriever: noting('vectors', dense, false) },
        { name: 'again', retriever: noting('again', dense, false) },
      ],
      { ...BASE, weights: { bm25: 2 } },
      'bm25+dense+again',
    );
    const ctx = new RunContext();
    const hits = await three.retrieve(QUERY, { k: 5 }, ctx);
    expect(started).toEqual(['vectors', 'again', 'lexical']);
    const lexical = await bm25.retrieve(QUERY, { k: 20 }, new RunContext());
    const vectors = await dense.retrieve(QUERY, { k: 20 }, new RunContext());
    const expected = reciprocalRankFusion([{ hits: lexical, weight: 2 }, { hits: vectors }, { hits: vectors }], { k: 60, limit: 5 });
    expect(strip(hits)).toEqual(strip(expected));
    expect(hits.every((h) => h.source === 'bm25+dense+again')).toBe(true);
    expect(ctx.trace.spans.find((s) => s.name === 'fuse.rrf')?.attrs).toEqual({ hits: 5, bm25Weight: 2, denseWeight: 1, againWeight: 1 });
    expect(ctx.trace.spans.at(-1)?.name).toBe('retrieve.bm25+dense+again');
  });
});
