import { describe, expect, it } from 'vitest';
import { bestOver, exactMatch, f1Score, normalizeAnswer, subExactMatch, wordRecall } from '../../../src/eval/qa-metrics.js';

describe('QA metrics (SQuAD normalisation)', () => {
  it('normalises case, punctuation, articles and spaces', () => {
    expect(normalizeAnswer('  The  Eiffel-Tower! ')).toBe('eiffel tower');
    expect(normalizeAnswer('Röntgen')).toBe('rontgen');
  });

  it('scores exact match, F1 and sub-EM', () => {
    expect(exactMatch('the Eiffel Tower', 'Eiffel tower.')).toBe(1);
    expect(exactMatch('Eiffel', 'Eiffel tower')).toBe(0);
    // prediction "paris france" vs gold "paris": precision 1/2, recall 1 -> F1 2/3
    expect(f1Score('Paris, France', 'Paris')).toBeCloseTo(2 / 3, 10);
    expect(f1Score('London', 'Paris')).toBe(0);
    expect(subExactMatch('It was founded by YG Entertainment in 2010.', 'YG Entertainment')).toBe(1);
    // Whole words only: "art" is not inside "earth".
    expect(subExactMatch('the earth', 'art')).toBe(0);
  });

  it('counts reference words found for long-form answers, and takes the best gold', () => {
    expect(wordRecall('minced beef with onion', 'beef onion garlic eggs')).toBeCloseTo(0.5, 10);
    expect(bestOver(['Paris', 'City of Light'], (g) => exactMatch('city of light', g))).toBe(1);
  });
});
