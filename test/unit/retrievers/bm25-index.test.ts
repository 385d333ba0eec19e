import { describe, expect, it } from 'vitest';
import { Bm25Index, type Bm25Hit, type Bm25Params } from '../../../src/retrievers/bm25-index.js';
import { mulberry32, randInt, zipfSampler } from '../../helpers/random.js';

/** The reference: Lucene's BM25 computed document by document, query terms summed with repetition. */
class BruteForce {
  readonly docs = new Map<number, string[]>();
  private readonly tfs = new Map<number, Map<string, number>>();
  constructor(private readonly params: Bm25Params) {}

  set(key: number, terms: string[]): void {
    this.docs.set(key, terms);
    const tf = new Map<string, number>();
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    this.tfs.set(key, tf);
  }

  delete(key: number): void {
    this.docs.delete(key);
    this.tfs.delete(key);
  }

  df(term: string): number {
    let n = 0;
    for (const tf of this.tfs.values()) if (tf.has(term)) n++;
    return n;
  }

  scores(query: readonly string[], allow?: Set<number>): Map<number, number> {
    const { k1, b } = this.params;
    const n = this.docs.size;
    let total = 0;
    for (const terms of this.docs.values()) total += terms.length;
    const avgdl = total / n || 1;
    const idf = new Map<string, number>();
    for (const t of new Set(query)) {
      const d = this.df(t);
      idf.set(t, Math.log(1 + (n - d + 0.5) / (d + 0.5)));
    }
    const out = new Map<number, number>();
    for (const [key, tf] of this.tfs) {
      if (allow && !allow.has(key)) continue;
      const dl = this.docs.get(key)?.length ?? 0;
      let score = 0;
      let matched = false;
      for (const q of query) {
        const f = tf.get(q) ?? 0;
        if (f === 0) continue;
        matched = true;
        score += ((idf.get(q) ?? 0) * (f * (k1 + 1))) / (f + k1 * (1 - b + (b * dl) / avgdl));
      }
      if (matched) out.set(key, score);
    }
    return out;
  }
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** Checks hits against the brute-force scores: same scores rank by rank, right keys up to ties at the cut. */
function expectMatchesBruteForce(hits: Bm25Hit[], expected: Map<number, number>, k: number, label: string): void {
  const problems: string[] = [];
  const ranked = [...expected.entries()].sort((x, y) => y[1] - x[1]);
  if (hits.length !== Math.min(k, ranked.length)) problems.push(`${hits.length} hits, expected ${Math.min(k, ranked.length)}`);
  if (new Set(hits.map((h) => h.key)).size !== hits.length) problems.push('duplicate keys');
  hits.forEach((hit, i) => {
    const truth = expected.get(hit.key);
    if (truth === undefined) problems.push(`key ${hit.key} does not match the query`);
    else if (!close(hit.score, truth)) problems.push(`key ${hit.key} scored ${hit.score}, brute force ${truth}`);
    const rankScore = ranked[i]?.[1];
    if (rankScore === undefined || !close(hit.score, rankScore)) problems.push(`rank ${i} scored ${hit.score}, brute force ${rankScore}`);
    const prev = hits[i - 1];
    if (prev && hit.score > prev.score) problems.push(`rank ${i} out of order`);
  });
  // Every document that beats the k-th score by more than rounding must be in the hits.
  const kth = ranked[Math.min(k, ranked.length) - 1]?.[1];
  if (kth !== undefined) {
    const keys = new Set(hits.map((h) => h.key));
    for (const [key, score] of ranked) {
      if (score > kth && !close(score, kth) && !keys.has(key)) problems.push(`missing key ${key} (${score})`);
    }
  }
  expect(problems, label).toEqual([]);
}

const PARAMS: Bm25Params = { k1: 0.9, b: 0.4 };
const VOCAB = 300;

function buildCorpus(seed: number, docs: number, params: Bm25Params = PARAMS) {
  const rnd = mulberry32(seed);
  const zipf = zipfSampler(rnd, VOCAB, 1.2);
  const index = new Bm25Index(params);
  const brute = new BruteForce(params);
  for (let key = 0; key < docs; key++) {
    const len = 1 + randInt(rnd, 120);
    const terms = Array.from({ length: len }, () => `t${zipf()}`);
    index.add(key * 3 + 1, terms); // keys need not be dense or start at 0
    brute.set(key * 3 + 1, terms);
  }
  return { rnd, zipf, index, brute };
}

/**
 * Queries of three shapes: short Zipf queries; long Zipf queries (30-60 terms, repeats included); and long "needle"
 * queries of a few rare terms plus many very common ones, whose frequent postings the MaxScore pruning skips.
 */
function randomQuery(rnd: () => number, zipf: () => number, i: number): string[] {
  const rare = (n: number): string[] => Array.from({ length: n }, () => `t${VOCAB / 2 + randInt(rnd, VOCAB / 2)}`);
  switch (i % 4) {
    case 0:
      return Array.from({ length: 1 + randInt(rnd, 5) }, () => `t${zipf()}`);
    case 1:
      return Array.from({ length: 30 + randInt(rnd, 30) }, () => (rnd() < 0.2 ? `t${randInt(rnd, VOCAB)}` : `t${zipf()}`));
    case 2:
      // Rare terms, then very common ones that add little: pruning starts early.
      return [...rare(2 + randInt(rnd, 5)), ...Array.from({ length: 28 + randInt(rnd, 20) }, () => `t${randInt(rnd, 3)}`)];
    default:
      // Rare terms, then frequent ones that can still add a lot: pruning is decided close to its bound.
      return [...rare(1 + randInt(rnd, 3)), ...Array.from({ length: 30 + randInt(rnd, 10) }, () => `t${randInt(rnd, 12)}`)];
  }
}

describe('Bm25Index against brute-force BM25', () => {
  it('matches top-k keys and scores on a random Zipf corpus for many queries', () => {
    const { rnd, zipf, index, brute } = buildCorpus(12345, 500);
    expect(index.size).toBe(500);
    for (let q = 0; q < 240; q++) {
      const query = randomQuery(rnd, zipf, q);
      const k = [1, 3, 10, 25, 100][q % 5] ?? 10;
      expectMatchesBruteForce(index.search(query, k), brute.scores(query), k, `query ${q} (k=${k})`);
    }
  });

  it('matches with other BM25 parameters (b = 0, b = 1, k1 = 0, k1 = 2)', () => {
    for (const params of [
      { k1: 1.2, b: 0 },
      { k1: 1.2, b: 1 },
      { k1: 0, b: 0.75 },
      { k1: 2, b: 0.75 },
    ]) {
      const { rnd, zipf, index, brute } = buildCorpus(99, 200, params);
      for (let q = 0; q < 45; q++) {
        const query = randomQuery(rnd, zipf, q);
        const k = [1, 5, 20][q % 3] ?? 5;
        expectMatchesBruteForce(index.search(query, k), brute.scores(query), k, `${JSON.stringify(params)} query ${q}`);
      }
    }
  });

  it('matches with an allow set restricting the keys', () => {
    const { rnd, zipf, index, brute } = buildCorpus(777, 400);
    for (let q = 0; q < 60; q++) {
      const allow = new Set([...brute.docs.keys()].filter(() => rnd() < (q % 2 === 0 ? 0.5 : 0.05)));
      const query = randomQuery(rnd, zipf, q);
      const k = [1, 10, 30][q % 3] ?? 10;
      const hits = index.search(query, k, { allow });
      for (const h of hits) expect(allow.has(h.key)).toBe(true);
      expectMatchesBruteForce(hits, brute.scores(query, allow), k, `allow query ${q}`);
    }
  });

  it('matches after removals, including enough to compact the postings', () => {
    const { rnd, zipf, index, brute } = buildCorpus(4242, 1600);
    const keys = [...brute.docs.keys()];
    const check = (label: string): void => {
      for (let q = 0; q < 30; q++) {
        const query = randomQuery(rnd, zipf, q);
        const k = [1, 10, 40][q % 3] ?? 10;
        expectMatchesBruteForce(index.search(query, k), brute.scores(query), k, `${label} query ${q}`);
      }
      for (const t of ['t0', 't5', 't50', 't299']) expect(index.docFreq(t), `${label} df ${t}`).toBe(brute.df(t));
    };
    // 300 removals: below the compaction threshold, dead postings are skipped.
    for (const key of keys.slice(0, 300)) {
      index.remove(key, brute.docs.get(key) ?? []);
      brute.delete(key);
    }
    expect(index.size).toBe(1300);
    check('after 300 removals');
    // 1100 more: compaction runs (more than 1024 dead and over a quarter of the live documents).
    for (const key of keys.slice(300, 1400)) {
      index.remove(key, brute.docs.get(key) ?? []);
      brute.delete(key);
    }
    expect(index.size).toBe(200);
    check('after compaction');
    // New documents after compaction go on working.
    for (let key = 10_000; key < 10_100; key++) {
      const terms = Array.from({ length: 1 + randInt(rnd, 60) }, () => `t${zipf()}`);
      index.add(key, terms);
      brute.set(key, terms);
    }
    check('after re-adding');
  });
});

describe('Bm25Index pruning boundary', () => {
  it('still counts a frequent term for documents the rarer terms did not reach when it can win', () => {
    // "a" is rare (processed first) but sits once in a very long document; "b" is frequent enough for the pruning
    // check to run, and one short document repeats it so often that it outscores the "a" document.
    const index = new Bm25Index({ k1: 0.9, b: 0.75 });
    const brute = new BruteForce({ k1: 0.9, b: 0.75 });
    const docs: Array<[number, string[]]> = [
      [1, ['a', ...Array<string>(200).fill('pad')]],
      [2, Array<string>(20).fill('b')],
      ...[3, 4, 5, 6, 7].map((key): [number, string[]] => [key, ['b', 'c']]),
      ...[8, 9, 10].map((key): [number, string[]] => [key, ['c', 'd']]),
    ];
    for (const [key, terms] of docs) {
      index.add(key, terms);
      brute.set(key, terms);
    }
    const expected = brute.scores(['a', 'b']);
    expect((expected.get(2) ?? 0) > (expected.get(1) ?? 0)).toBe(true);
    const hits = index.search(['a', 'b'], 1);
    expect(hits.map((h) => h.key)).toEqual([2]);
    expectMatchesBruteForce(hits, expected, 1, 'boundary');
    expectMatchesBruteForce(index.search(['a', 'b'], 3), expected, 3, 'boundary k=3');
  });
});

describe('Bm25Index behaviour', () => {
  const small = (): Bm25Index => {
    const index = new Bm25Index(PARAMS);
    index.add(1, ['apple', 'banana', 'apple']);
    index.add(2, ['banana', 'cherry']);
    index.add(3, ['cherry', 'date', 'elder', 'fig']);
    return index;
  };

  it('reports size, vocabulary and document frequencies', () => {
    const index = small();
    expect(index.size).toBe(3);
    expect(index.vocabularySize).toBe(6);
    expect(index.docFreq('apple')).toBe(1);
    expect(index.docFreq('banana')).toBe(2);
    expect(index.docFreq('nope')).toBe(0);
  });

  it('returns nothing for an empty index, k <= 0, unknown terms or an empty query', () => {
    expect(new Bm25Index(PARAMS).search(['x'], 10)).toEqual([]);
    const index = small();
    expect(index.search(['apple'], 0)).toEqual([]);
    expect(index.search(['zzz'], 5)).toEqual([]);
    expect(index.search([], 5)).toEqual([]);
  });

  it('remove() excludes the document and corrects document frequencies', () => {
    const index = small();
    expect(index.search(['banana'], 10).map((h) => h.key).sort()).toEqual([1, 2]);
    index.remove(2, ['banana', 'cherry']);
    expect(index.size).toBe(2);
    expect(index.docFreq('banana')).toBe(1);
    expect(index.docFreq('cherry')).toBe(1);
    expect(index.search(['banana'], 10).map((h) => h.key)).toEqual([1]);
    expect(index.search(['cherry', 'banana'], 10).map((h) => h.key).sort()).toEqual([1, 3]);
    // Scores now are those of a two-document collection.
    const fresh = new Bm25Index(PARAMS);
    fresh.add(1, ['apple', 'banana', 'apple']);
    fresh.add(3, ['cherry', 'date', 'elder', 'fig']);
    expect(index.search(['banana', 'cherry'], 10)).toEqual(fresh.search(['banana', 'cherry'], 10));
    index.remove(2, ['banana', 'cherry']); // removing twice is a no-op
    expect(index.size).toBe(2);
    expect(index.docFreq('banana')).toBe(1);
  });

  it('refuses to add a key twice: a replacement must remove the old terms first', () => {
    const index = small();
    expect(() => index.add(1, ['cherry', 'grape'])).toThrow(/already indexed/);
    expect(index.docFreq('apple')).toBe(1);
  });

  it('remove then add replaces the document', () => {
    const index = small();
    index.remove(1, ['apple', 'banana', 'apple']);
    index.add(1, ['cherry', 'grape']);
    expect(index.size).toBe(3);
    expect(index.search(['apple'], 10)).toEqual([]);
    expect(index.search(['grape'], 10).map((h) => h.key)).toEqual([1]);
    expect(index.search(['cherry'], 10).map((h) => h.key).sort()).toEqual([1, 2, 3]);
  });

  it('remove then add keeps document frequencies exact', () => {
    const index = small();
    index.remove(1, ['apple', 'banana', 'apple']);
    index.add(1, ['cherry', 'grape']);
    // Document 1 no longer holds apple or banana; cherry is now in all three documents.
    expect(index.docFreq('apple')).toBe(0);
    expect(index.docFreq('banana')).toBe(1);
    expect(index.docFreq('cherry')).toBe(3);
    const fresh = new Bm25Index(PARAMS);
    fresh.add(2, ['banana', 'cherry']);
    fresh.add(3, ['cherry', 'date', 'elder', 'fig']);
    fresh.add(1, ['cherry', 'grape']);
    expect(index.search(['banana', 'cherry', 'grape'], 10)).toEqual(fresh.search(['banana', 'cherry', 'grape'], 10));
  });

  it('counts repeated query terms repeatedly', () => {
    const index = small();
    const once = index.search(['date'], 1)[0]?.score ?? 0;
    const twice = index.search(['date', 'date'], 1)[0]?.score ?? 0;
    expect(once).toBeGreaterThan(0);
    expect(twice).toBeCloseTo(2 * once, 12);
  });

  it('maxTerms keeps the highest-weighted query terms', () => {
    const index = new Bm25Index(PARAMS);
    // "common" is in every document but one; "rare" in one.
    for (let key = 0; key < 20; key++) index.add(key, key === 0 ? ['rare', 'other'] : ['common', 'other']);
    const full = index.search(['common', 'rare'], 30);
    expect(full.map((h) => h.key)).toContain(5);
    const cut = index.search(['common', 'rare'], 30, { maxTerms: 1 });
    expect(cut.map((h) => h.key)).toEqual([0]);
    expect(cut[0]?.score).toBeCloseTo(index.search(['rare'], 1)[0]?.score ?? NaN, 12);
    // A repeated term's weight counts its repeats: common x 50 (idf 0.074 each) outweighs rare (idf 2.64) once.
    const repeated = index.search([...Array<string>(50).fill('common'), 'rare'], 30, { maxTerms: 1 });
    expect(repeated.map((h) => h.key)).not.toContain(0);
    expect(repeated).toHaveLength(19);
  });

  it('ranks by tf and length normalisation', () => {
    const index = new Bm25Index(PARAMS);
    index.add(1, ['x', 'y', 'y', 'y']);
    index.add(2, ['x', 'y', 'z', 'z', 'z', 'z', 'z', 'z']);
    index.add(3, ['x', 'x', 'x', 'w']);
    index.add(4, ['q']);
    const hits = index.search(['x'], 10);
    expect(hits[0]?.key).toBe(3); // highest tf
    expect(hits.map((h) => h.key).slice(1)).toEqual([1, 2]); // same tf: shorter first
  });

  it('clear() empties the index and it can be refilled', () => {
    const index = small();
    index.clear();
    expect(index.size).toBe(0);
    expect(index.vocabularySize).toBe(0);
    expect(index.search(['apple'], 5)).toEqual([]);
    index.add(9, ['apple']);
    expect(index.search(['apple'], 5).map((h) => h.key)).toEqual([9]);
    expect(index.docFreq('apple')).toBe(1);
  });
});
