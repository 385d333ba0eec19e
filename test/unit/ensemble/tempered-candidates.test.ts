import { describe, expect, it } from 'vitest';
import { temperedCandidates } from '../../../src/ensemble/tempered-candidates.js';

const of = (...probs: number[]) => probs.map((prob, i) => ({ text: `a${i}`, prob, citations: [i + 1] }));

describe('temperedCandidates', () => {
  it('leaves the distribution as it is at temperature 1', () => {
    expect(temperedCandidates(of(0.7, 0.2, 0.1), 1)).toEqual(of(0.7, 0.2, 0.1));
  });

  it('flattens above 1 and sharpens below, keeping the order, the texts and a total of 1', () => {
    const flat = temperedCandidates(of(0.8, 0.2), 2);
    // sqrt(0.8) : sqrt(0.2) = 2 : 1
    expect(flat[0]!.prob).toBeCloseTo(2 / 3, 10);
    expect(flat[1]!.prob).toBeCloseTo(1 / 3, 10);
    expect(flat.map((c) => [c.text, c.citations])).toEqual([['a0', [1]], ['a1', [2]]]);
    const sharp = temperedCandidates(of(0.6, 0.4), 0.5);
    expect(sharp[0]!.prob).toBeCloseTo(0.36 / 0.52, 10);
    expect(sharp.reduce((s, c) => s + c.prob, 0)).toBeCloseTo(1, 10);
  });

  it('renormalises a truncated distribution, and keeps zeros and empty lists as they are', () => {
    expect(temperedCandidates(of(0.3, 0.1), 2).reduce((s, c) => s + c.prob, 0)).toBeCloseTo(1, 10);
    expect(temperedCandidates(of(1, 0), 3).map((c) => c.prob)).toEqual([1, 0]);
    expect(temperedCandidates([], 3)).toEqual([]);
  });
});
