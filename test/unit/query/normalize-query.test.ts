import { describe, expect, it } from 'vitest';
import { normalizeQuery } from '../../../src/query/normalize-query.js';

describe('normalizeQuery', () => {
  it('folds to NFKC, turns control and format characters into spaces and collapses them', () => {
    expect(normalizeQuery('  ｆｕｌｌ\u0000width\u200Bwords\u202E  ')).toBe('full width words');
  });

  it('takes marks inside words out rather than splitting the word', () => {
    // Before, "hier\u00ADarchical" became "hier archical", which the corrector then turned into "her archival".
    expect(normalizeQuery('hier\u00ADarchical re\u00ADfiner')).toBe('hierarchical refiner');
    expect(normalizeQuery('Wasser\u2060schäden\uFEFF')).toBe('Wasserschäden');
  });
});
