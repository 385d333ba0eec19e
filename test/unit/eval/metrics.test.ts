import { describe, expect, it } from 'vitest';
import { allFoundAt, mean, mrrAt, ndcgAt, percentile, recallAt } from '../../../src/eval/metrics.js';

// Graded judgements, as BEIR qrels: d2 is judged but not relevant; d9 is relevant but never retrieved.
const rel = new Map([
  ['d1', 3],
  ['d2', 0],
  ['d3', 2],
  ['d5', 1],
  ['d9', 2],
]);
const ranked = ['d1', 'd2', 'd3', 'd4', 'd5'];

describe('ndcgAt', () => {
  it('uses linear gains and the ideal ranking of all judged relevant documents', () => {
    // DCG@5 = 3/log2(2) + 2/log2(4) + 1/log2(6) = 4.386852807...
    // IDCG@5 = 3 + 2/log2(3) + 2/log2(4) + 1/log2(5) = 5.692536065...
    expect(ndcgAt(ranked, rel, 5)).toBeCloseTo(0.7706324135634347, 12);
    expect(ndcgAt(ranked, rel, 10)).toBeCloseTo(0.7706324135634347, 12);
  });

  it('cuts both the ranking and the ideal at k', () => {
    // DCG@2 = 3; IDCG@2 = 3 + 2/log2(3)
    expect(ndcgAt(ranked, rel, 2)).toBeCloseTo(0.7039180890341347, 12);
    expect(ndcgAt(ranked, rel, 1)).toBe(1);
  });

  it('is 1 for the ideal ranking and 0 without relevant documents', () => {
    expect(ndcgAt(['d1', 'd3', 'd9', 'd5'], rel, 10)).toBeCloseTo(1, 12);
    expect(ndcgAt(['d9', 'd3', 'd1', 'd5'], rel, 10)).toBeLessThan(1);
    expect(ndcgAt(['d2', 'd4'], rel, 10)).toBe(0);
    expect(ndcgAt(ranked, new Map([['d1', 0]]), 10)).toBe(0);
    expect(ndcgAt([], rel, 10)).toBe(0);
  });
});

describe('recallAt', () => {
  it('is the share of relevant documents in the top k', () => {
    expect(recallAt(ranked, rel, 5)).toBe(0.75);
    expect(recallAt(ranked, rel, 2)).toBe(0.25);
    expect(recallAt(ranked, rel, 3)).toBe(0.5);
    expect(recallAt(['d2'], rel, 10)).toBe(0);
    expect(recallAt(ranked, new Map(), 10)).toBe(0);
  });
});

describe('mrrAt', () => {
  it('is the reciprocal rank of the first relevant document within k', () => {
    expect(mrrAt(ranked, rel, 10)).toBe(1);
    expect(mrrAt(['d2', 'd4', 'd3', 'd1'], rel, 10)).toBeCloseTo(1 / 3, 15);
    expect(mrrAt(['d2', 'd4', 'd3'], rel, 2)).toBe(0);
    expect(mrrAt([], rel, 10)).toBe(0);
  });
});

describe('percentile and mean', () => {
  it('interpolates linearly between closest ranks', () => {
    const values = [4, 1, 3, 2];
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 50)).toBe(2.5);
    expect(percentile(values, 90)).toBeCloseTo(3.7, 12);
    expect(percentile(values, 100)).toBe(4);
    expect(percentile([10, 20, 30, 40, 50], 25)).toBe(20);
    expect(percentile([10, 20, 30, 40, 50], 99)).toBeCloseTo(49.6, 12);
    expect(values).toEqual([4, 1, 3, 2]); // input untouched
  });

  it('handles empty and single-value inputs', () => {
    expect(percentile([], 50)).toBe(0);
    expect(percentile([7], 95)).toBe(7);
    expect(mean([])).toBe(0);
    expect(mean([1, 2, 6])).toBe(3);
  });
});

describe('allFoundAt (supporting-document recall)', () => {
  it('is 1 only when every relevant document is in the top k', () => {
    const rel = new Map([
      ['a', 1],
      ['b', 1],
      ['n', 0],
    ]);
    expect(allFoundAt(['a', 'x', 'b'], rel, 3)).toBe(1);
    expect(allFoundAt(['a', 'x', 'b'], rel, 2)).toBe(0);
    expect(allFoundAt(['x'], new Map(), 10)).toBe(0);
  });
});
