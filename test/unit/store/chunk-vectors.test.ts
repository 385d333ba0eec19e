import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MetadataFilter } from '../../../src/core/types.js';
import type { EmbeddingSpace } from '../../../src/store/embedding-space.js';
import { SqliteStore, type PreparedDocument } from '../../../src/store/sqlite-store.js';
import { ragErrorOf } from '../../helpers/errors.js';
import { mulberry32 } from '../../helpers/random.js';
import { preparedDoc } from '../../helpers/store.js';
import { makeTempDir } from '../../helpers/tmp.js';

/** Chunk vectors in the store: exact k-NN, filters, and vectors kept consistent with chunks. */

const DIMS = 48;
const SPACE: EmbeddingSpace = { model: 'test/random', dimensions: DIMS };

let tmp: { dir: string; cleanup: () => void };
const open: SqliteStore[] = [];
beforeAll(() => {
  tmp = makeTempDir('rag-vectors-');
});
afterEach(() => {
  while (open.length > 0) open.pop()?.close();
});
afterAll(() => tmp.cleanup());

const track = (s: SqliteStore): SqliteStore => {
  open.push(s);
  return s;
};

/** Gaussian vectors (Box-Muller), deliberately not unit length: the store must normalise them itself. */
function gaussian(rnd: () => number, dims = DIMS, scale = 1): Float32Array {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = scale * Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  return v;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

function withVectors(doc: PreparedDocument, vectors: Float32Array[]): PreparedDocument {
  return { ...doc, vectors };
}

interface Corpus {
  docs: PreparedDocument[];
  /** chunk id -> its vector and document metadata. */
  byChunk: Map<string, { vector: Float32Array; docId: string; lang: string }>;
}

/** 120 documents of 1-4 chunks with random vectors, in three languages. */
function randomCorpus(seed: number): Corpus {
  const rnd = mulberry32(seed);
  const byChunk: Corpus['byChunk'] = new Map();
  const docs = Array.from({ length: 120 }, (_, d) => {
    const n = 1 + Math.floor(rnd() * 4);
    const lang = ['en', 'fr', 'de'][d % 3] as string;
    const vectors = Array.from({ length: n }, () => gaussian(rnd, DIMS, 0.5 + rnd() * 3));
    vectors.forEach((vector, ord) => byChunk.set(`d${d}#${ord}`, { vector, docId: `d${d}`, lang }));
    return withVectors(
      preparedDoc(
        `d${d}`,
        vectors.map((_v, i) => `chunk ${i} of document ${d}`),
        { meta: { lang, even: d % 2 === 0 } },
      ),
      vectors,
    );
  });
  return { docs, byChunk };
}

/** Brute force: every admitted chunk scored by cosine in float64, best first. */
function bruteForce(corpus: Corpus, query: Float32Array, k: number, admit: (c: { docId: string; lang: string }) => boolean = () => true) {
  return [...corpus.byChunk.entries()]
    .filter(([, c]) => admit(c))
    .map(([id, c]) => ({ id, score: cosine(query, c.vector) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

function nearest(store: SqliteStore, query: Float32Array, k: number, filter?: MetadataFilter): Array<{ id: string; score: number }> {
  const hits = store.nearestChunks(query, k, filter);
  const ids = new Map(store.chunksByRowid(hits.map((h) => h.rowid)).map((c) => [c.rowid, c.id]));
  return hits.map((h) => ({ id: ids.get(h.rowid) ?? `?${h.rowid}`, score: h.similarity }));
}

function expectSameRanking(actual: Array<{ id: string; score: number }>, expected: Array<{ id: string; score: number }>): void {
  expect(actual.map((h) => h.id)).toEqual(expected.map((h) => h.id));
  actual.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i]?.score ?? NaN, 5));
}

describe('exact k-NN over chunk vectors', () => {
  it('ranks exactly as brute-force cosine similarity, with the similarity as score', () => {
    const corpus = randomCorpus(7);
    const store = track(new SqliteStore(':memory:'));
    store.upsert(corpus.docs, SPACE);
    expect(store.vectorStatus()).toEqual({ space: SPACE, chunks: corpus.byChunk.size, vectors: corpus.byChunk.size });
    const rnd = mulberry32(99);
    for (let q = 0; q < 25; q++) {
      const query = gaussian(rnd, DIMS, 0.1 + rnd() * 5);
      for (const k of [1, 10, 40]) expectSameRanking(nearest(store, query, k), bruteForce(corpus, query, k));
    }
  });

  it('finds a stored vector itself first, at similarity 1, whatever its length', () => {
    const corpus = randomCorpus(8);
    const store = track(new SqliteStore(':memory:'));
    store.upsert(corpus.docs, SPACE);
    const target = corpus.byChunk.get('d17#0');
    if (!target) throw new Error('fixture lacks d17#0');
    const scaled = target.vector.map((x) => x * 40);
    const [first] = nearest(store, scaled, 3);
    expect(first?.id).toBe('d17#0');
    expect(first?.score).toBeCloseTo(1, 5);
  });

  it('honours metadata and docId filters exactly, as rowidsMatching does', () => {
    const corpus = randomCorpus(9);
    const store = track(new SqliteStore(':memory:'));
    store.upsert(corpus.docs, SPACE);
    const rnd = mulberry32(5);
    const cases: Array<[MetadataFilter, (c: { docId: string; lang: string }) => boolean]> = [
      [{ lang: 'fr' }, (c) => c.lang === 'fr'],
      [{ lang: 'de', even: true }, (c) => c.lang === 'de' && Number(c.docId.slice(1)) % 2 === 0],
      [{ docId: 'd42' }, (c) => c.docId === 'd42'],
      [{ lang: 'xx' }, () => false],
    ];
    for (const [filter, admit] of cases) {
      const query = gaussian(rnd);
      const got = nearest(store, query, 15, filter);
      expectSameRanking(got, bruteForce(corpus, query, 15, admit));
      const allowed = new Set(store.chunksByRowid([...store.rowidsMatching(filter)]).map((c) => c.id));
      for (const hit of got) expect(allowed.has(hit.id)).toBe(true);
    }
  });

  it('finds filtered chunks even when thousands of better ones fall outside the filter', () => {
    const rnd = mulberry32(3);
    const store = track(new SqliteStore(':memory:'));
    const query = gaussian(rnd);
    // 2,000 near-copies of the query outside the filter, one mediocre chunk inside it.
    const crowd = Array.from({ length: 2000 }, (_, i) => withVectors(preparedDoc(`crowd${i}`, ['x'], { meta: { group: 'crowd' } }), [query.map((x) => x + rnd() * 0.01)]));
    const lone = gaussian(rnd);
    store.upsert([...crowd, withVectors(preparedDoc('lone', ['y'], { meta: { group: 'lone' } }), [lone])], SPACE);
    expect(nearest(store, query, 5, { group: 'lone' })).toEqual([{ id: 'lone#0', score: expect.closeTo(cosine(query, lone), 5) as number }]);
  });

  it('returns nothing for an empty store, k = 0 or a zero query vector, and refuses k above sqlite-vec limit', () => {
    const store = track(new SqliteStore(':memory:'));
    expect(store.nearestChunks(gaussian(mulberry32(1)), 5)).toEqual([]);
    store.upsert(randomCorpus(1).docs, SPACE);
    expect(store.nearestChunks(gaussian(mulberry32(1)), 0)).toEqual([]);
    expect(store.nearestChunks(new Float32Array(DIMS), 5)).toEqual([]);
    const err = ragErrorOf(() => store.nearestChunks(gaussian(mulberry32(1)), 5000));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toContain('4096');
    const dims = ragErrorOf(() => store.nearestChunks(new Float32Array(DIMS + 1).fill(1), 5));
    expect(dims.code).toBe('CONFIG');
    expect(dims.message).toContain(`${DIMS + 1} dimensions`);
  });
});

describe('vectors stay consistent with chunks', () => {
  it('an upsert replaces a document vectors; a delete removes them', () => {
    const corpus = randomCorpus(11);
    const store = track(new SqliteStore(':memory:'));
    store.upsert(corpus.docs, SPACE);
    const before = store.vectorStatus();
    const rnd = mulberry32(12);
    const old = corpus.byChunk.get('d5#0')?.vector ?? new Float32Array(DIMS);
    const fresh = [gaussian(rnd), gaussian(rnd)];
    store.upsert([withVectors(preparedDoc('d5', ['new one', 'new two']), fresh)], SPACE);
    const status = store.vectorStatus();
    expect(status.vectors).toBe(status.chunks);
    const oldChunks = corpus.docs.find((d) => d.id === 'd5')?.chunks.length ?? NaN;
    expect(status.chunks).toBe(before.chunks - oldChunks + 2);
    // The old vector no longer finds d5; the new ones do, each at similarity 1.
    expect(nearest(store, old, 1)[0]?.id).not.toMatch(/^d5#/);
    expect(nearest(store, fresh[1] as Float32Array, 1)).toEqual([{ id: 'd5#1', score: expect.closeTo(1, 5) as number }]);

    expect(store.delete('d5')).toBe(true);
    const after = store.vectorStatus();
    expect(after.vectors).toBe(after.chunks);
    expect(after.chunks).toBe(status.chunks - 2);
    expect(nearest(store, fresh[1] as Float32Array, 200).some((h) => h.id.startsWith('d5#'))).toBe(false);
  });

  it('keeps vectors and the recorded model across reopening a file store', () => {
    const path = join(tmp.dir, 'persist.db');
    const corpus = randomCorpus(13);
    const first = new SqliteStore(path);
    first.upsert(corpus.docs, SPACE);
    first.close();
    const store = track(new SqliteStore(path));
    expect(store.embeddingSpace()).toEqual(SPACE);
    const query = gaussian(mulberry32(14));
    expectSameRanking(nearest(store, query, 10), bruteForce(corpus, query, 10));
  });
});

describe('the embedding space of a store', () => {
  it('is recorded by the first batch with vectors', () => {
    const store = track(new SqliteStore(':memory:'));
    expect(store.embeddingSpace()).toBeNull();
    store.upsert(randomCorpus(2).docs.slice(0, 3), SPACE);
    expect(store.embeddingSpace()).toEqual(SPACE);
  });

  it('refuses vectors of another model or dimension, naming both', () => {
    const store = track(new SqliteStore(':memory:'));
    store.upsert(randomCorpus(2).docs.slice(0, 3), SPACE);
    const version = store.version();
    const other = { model: 'other/model', dimensions: 8 };
    const err = ragErrorOf(() => store.upsert([withVectors(preparedDoc('x', ['x']), [new Float32Array(8).fill(1)])], other));
    // Found as a batch is written (the store changed under a running server): a 503, not an internal error.
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain('"test/random" (48 dimensions)');
    expect(err.message).toContain('"other/model" (8 dimensions)');
    expect(err.message).toContain('rag reindex --vectors --rebuild');
    expect(store.getDocument('x')).toBeUndefined();
    expect(store.version()).toBe(version);
  });

  it('refuses a batch without vectors once the store holds vectors, and vectors of the wrong length', () => {
    const store = track(new SqliteStore(':memory:'));
    store.upsert(randomCorpus(2).docs.slice(0, 3), SPACE);
    const none = ragErrorOf(() => store.upsert([preparedDoc('plain', ['no vector'])]));
    expect(none.code).toBe('UNAVAILABLE');
    expect(none.message).toContain('"test/random" (48 dimensions)');
    expect(none.message).toContain('rag reindex --drop-vectors');
    const short = ragErrorOf(() => store.upsert([withVectors(preparedDoc('short', ['x']), [new Float32Array(3).fill(1)])], SPACE));
    expect(short.message).toContain('3 dimensions');
    const missing = ragErrorOf(() => store.upsert([withVectors(preparedDoc('two', ['x', 'y']), [gaussian(mulberry32(1))])], SPACE));
    expect(missing.message).toContain('1 vectors for 2 chunks');
    expect(store.counts().documents).toBe(3);
  });

  it('refuses the first vectors into a store whose chunks have none, pointing at reindex', () => {
    const store = track(new SqliteStore(':memory:'));
    store.upsert([preparedDoc('old', ['stored before any embedder'])]);
    const err = ragErrorOf(() => store.upsert([withVectors(preparedDoc('new', ['x']), [gaussian(mulberry32(1))])], SPACE));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain('1 chunks without vectors');
    expect(err.message).toContain('rag reindex --vectors');
    expect(store.embeddingSpace()).toBeNull();
  });

  it('dropVectors removes every vector and the recorded space, and plain batches are taken again', () => {
    const store = track(new SqliteStore(':memory:'));
    store.upsert(randomCorpus(2).docs.slice(0, 3), SPACE);
    const version = store.version();
    store.dropVectors();
    expect(store.embeddingSpace()).toBeNull();
    expect(store.vectorStatus().vectors).toBe(0);
    expect(store.version()).toBe(version + 1);
    expect(store.nearestChunks(gaussian(mulberry32(1)), 3)).toEqual([]);
    store.upsert([preparedDoc('plain', ['fine now'])]);
    expect(store.getDocument('plain')).toBeDefined();
  });
});

describe('adding vectors to existing chunks', () => {
  it('records the space, skips chunks that are gone or already have a vector, and counts what it wrote', () => {
    const store = track(new SqliteStore(':memory:'));
    store.upsert([preparedDoc('a', ['a0', 'a1']), preparedDoc('b', ['b0'])]);
    const rowids = [...store.allChunks()].map((c) => c.rowid);
    const rnd = mulberry32(21);
    const entries = rowids.map((rowid) => ({ rowid, vector: gaussian(rnd) }));
    expect(store.addVectors(entries.slice(0, 1), SPACE)).toBe(1);
    expect(store.embeddingSpace()).toEqual(SPACE);
    expect(store.addVectors([...entries, { rowid: 9999, vector: gaussian(rnd) }], SPACE)).toBe(2);
    expect(store.vectorStatus()).toEqual({ space: SPACE, chunks: 3, vectors: 3 });
    expect([...store.vectorRowids()].sort()).toEqual([...rowids].sort());
    const err = ragErrorOf(() => store.addVectors(entries, { model: 'other', dimensions: DIMS }));
    expect(err.code).toBe('CONFIG');
  });
});
