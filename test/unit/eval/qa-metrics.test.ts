import { describe, expect, it } from 'vitest';
import { bestOver, exactMatch, f1Score, squadNormalize, subExactMatch, wordRecall } from '../../../src/eval/qa-metrics.js';

describe('QA metrics (SQuAD normalisation)', () => {
  it("normalises as SQuAD's script does: case, ASCII punctuation deleted, articles, spaces; accents kept", () => {
    expect(squadNormalize('  The  Eiffel Tower! ')).toBe('eiffel tower');
    // Deleted, not spaced: before, "Armenian-American" was two words and held "Armenian".
    expect(squadNormalize('Armenian-American')).toBe('armenianamerican');
    expect(squadNormalize('1,462')).toBe('1462');
    expect(squadNormalize('Sāmoa')).toBe('sāmoa');
    // Composed and decomposed spellings of one name are one answer (the wiki fixture's text is decomposed).
    expect(squadNormalize('Wilhelm Ro\u0308ntgen')).toBe(squadNormalize('Wilhelm R\u00f6ntgen'));
    expect(subExactMatch('awarded to physicist Wilhelm Ro\u0308ntgen in 1901', 'Wilhelm R\u00f6ntgen')).toBe(1);
    expect(squadNormalize('Röntgen – the physicist')).toBe('röntgen – physicist');
    // An article is a whole word, among letters of any script.
    expect(squadNormalize('théâtre a Paris')).toBe('théâtre paris');
    expect(subExactMatch('Armenian-American singer', 'Armenian')).toBe(0);
    expect(exactMatch('Sāmoa', 'Samoa')).toBe(0);
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
