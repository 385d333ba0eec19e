import { describe, expect, it } from 'vitest';
import type { ScoredChunk } from '../../../src/core/types.js';
import { bordaFusion, entropyWeights, normalizedScoreFusion, reciprocalRankFusion } from '../../../src/retrievers/fusion.js';

const hit = (id: string, score: number, source = 'x', text = `text of ${id}`): ScoredChunk => ({ id, docId: id.split('#')[0] ?? id, text, score, source });
const list = (source: string, ...pairs: Array<[string, number]>): ScoredChunk[] => pairs.map(([id, s]) => hit(id, s, source));

describe('reciprocalRankFusion', () => {
  const bm25 = list('bm25', ['a', 9], ['b', 7], ['c', 1]);
  const dense = list('dense', ['b', 0.9], ['d', 0.8]);

  it('sums weight / (k + rank) over the lists, rank counted from 1, best first', () => {
    const fused = reciprocalRankFusion([{ hits: bm25 }, { hits: dense }]);
    const expected = { a: 1 / 61, b: 1 / 62 + 1 / 61, c: 1 / 63, d: 1 / 62 };
    expect(fused.map((h) => h.id)).toEqual(['b', 'a', 'd', 'c']);
    for (const h of fused) expect(h.score).toBeCloseTo(expected[h.id as keyof typeof expected], 12);
    expect(fused.every((h) => h.source === 'fusion')).toBe(true);
  });

  it('weighs each list and takes k and a limit', () => {
    const fused = reciprocalRankFusion(
      [
        { hits: bm25, weight: 3 },
        { hits: dense, weight: 1 },
      ],
      { k: 10, limit: 3 },
    );
    // a: 3/11 = 0.273; b: 3/12 + 1/11 = 0.341; c: 3/13 = 0.231; d: 1/12 = 0.083
    expect(fused.map((h) => h.id)).toEqual(['b', 'a', 'c']);
    expect(fused[0]?.score).toBeCloseTo(3 / 12 + 1 / 11, 12);
    expect(fused[1]?.score).toBeCloseTo(3 / 11, 12);
  });

  it('dedupes by chunk id, never by text, and keeps the chunk fields of the first list', () => {
    const one = [hit('doc#0', 5, 'bm25', 'same words'), hit('doc#1', 4, 'bm25', 'same words')];
    const two = [{ ...hit('doc#0', 0.7, 'dense', 'same words'), headingPath: ['Other'] }];
    const fused = reciprocalRankFusion([{ hits: one }, { hits: two }]);
    expect(fused.map((h) => h.id)).toEqual(['doc#0', 'doc#1']);
    expect(fused[0]?.headingPath).toBeUndefined();
    expect(fused[0]?.text).toBe('same words');
  });

  it('returns nothing for no lists or empty lists', () => {
    expect(reciprocalRankFusion([])).toEqual([]);
    expect(reciprocalRankFusion([{ hits: [] }, { hits: [] }])).toEqual([]);
  });
});

describe('normalizedScoreFusion', () => {
  it('min-max normalises each list to [0, 1], then sums with the weights', () => {
    const bm25 = list('bm25', ['a', 10], ['b', 5], ['c', 0]);
    const dense = list('dense', ['b', 0.9], ['c', 0.7], ['d', 0.5]);
    // bm25 -> a 1, b 0.5, c 0; dense -> b 1, c 0.5, d 0
    const equal = normalizedScoreFusion([{ hits: bm25 }, { hits: dense }]);
    const expected: Array<[string, number]> = [
      ['b', 1.5],
      ['a', 1],
      ['c', 0.5],
      ['d', 0],
    ];
    expect(equal.map((h) => h.id)).toEqual(expected.map(([id]) => id));
    equal.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i]?.[1] ?? NaN, 12));
    const weighted = normalizedScoreFusion(
      [
        { hits: bm25, weight: 0.25 },
        { hits: dense, weight: 2 },
      ],
      { limit: 2 },
    );
    // a 0.25; b 0.125 + 2 = 2.125; c 0 + 1 = 1; d 0
    expect(weighted.map((h) => h.id)).toEqual(['b', 'c']);
    expect(weighted[0]?.score).toBeCloseTo(2.125, 12);
    expect(weighted[1]?.score).toBeCloseTo(1, 12);
  });

  it('gives a list whose scores are all equal (or a single hit) full credit', () => {
    const fused = normalizedScoreFusion([{ hits: list('bm25', ['a', 3]) }, { hits: list('dense', ['b', 0.4], ['c', 0.4]) }]);
    expect(fused.map((h) => h.score)).toEqual([1, 1, 1]);
  });
});

describe('entropyWeights', () => {
  it('gives a peaked list more weight than a flat one; the weights sum to the number of lists', () => {
    const peaked = list('dense', ['a', 10], ['b', 1], ['c', 1], ['d', 1], ['e', 1]);
    const flat = list('bm25', ['a', 5], ['b', 4], ['c', 3], ['d', 2], ['e', 1]);
    const [wPeaked, wFlat] = entropyWeights([{ hits: peaked }, { hits: flat }]);
    expect(wPeaked).toBeGreaterThan(wFlat ?? Infinity);
    expect((wPeaked ?? 0) + (wFlat ?? 0)).toBeCloseTo(2, 12);
  });

  it('depends on the shape of the scores, not their scale', () => {
    const small = list('dense', ['a', 0.9], ['b', 0.5], ['c', 0.1]);
    const large = list('bm25', ['a', 90], ['b', 50], ['c', 10]);
    const [a, b] = entropyWeights([{ hits: small }, { hits: large }]);
    expect(a).toBeCloseTo(1, 9);
    expect(b).toBeCloseTo(1, 9);
  });

  it('only looks at the top k scores', () => {
    const head = list('x', ['a', 10], ['b', 0], ['c', 0]);
    const longTail = [...head, ...list('x', ['d', 9], ['e', 9], ['f', 9])];
    expect(entropyWeights([{ hits: head }, { hits: longTail }], 3)).toEqual([1, 1]);
  });
});

describe('bordaFusion', () => {
  const first = list('lexical', ['a', 3], ['b', 2], ['c', 1], ['d', 0]);
  const second = list('cross', ['c', 9], ['a', 8], ['d', 7], ['b', 6]);

  it('gives rank r of n candidates (n - r) / n points, weighted and summed, best first', () => {
    const fused = bordaFusion([{ hits: first }, { hits: second, weight: 2 }]);
    // a: 4/4 + 2 * 3/4 = 2.5; b: 3/4 + 2 * 1/4 = 1.25; c: 2/4 + 2 * 4/4 = 2.5; d: 1/4 + 2 * 2/4 = 1.25 (ties by id).
    expect(fused.map((h) => [h.id, h.score])).toEqual([
      ['a', 2.5],
      ['c', 2.5],
      ['b', 1.25],
      ['d', 1.25],
    ]);
  });

  it('counts a candidate a list left out as 0 points, with n the number of candidates, and takes a limit', () => {
    const short = list('llm', ['d', 1]);
    const fused = bordaFusion([{ hits: first }, { hits: short }], { candidates: 4, limit: 2 });
    // a: 1; d: 1/4 + 4/4 = 1.25: the short list's first place is worth as much as a full list's.
    expect(fused.map((h) => h.id)).toEqual(['d', 'a']);
    expect(fused[0]?.score).toBeCloseTo(1.25, 12);
  });

  it('separates the last places where reciprocal rank hardly does', () => {
    const rrf = reciprocalRankFusion([{ hits: first }, { hits: second }]);
    const borda = bordaFusion([{ hits: first }, { hits: second }]);
    const spread = (hits: ScoredChunk[]): number => (hits[0]?.score ?? 0) / (hits.at(-1)?.score ?? 1);
    expect(spread(borda)).toBeGreaterThan(1.5);
    expect(spread(rrf)).toBeLessThan(1.05);
  });
});
