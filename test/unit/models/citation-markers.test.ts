import { describe, expect, it } from 'vitest';
import { citationsIn, withoutMarkers } from '../../../src/models/citation-markers.js';

describe('citationsIn', () => {
  it('reads [n], [n][m], [n, m] and [n-m], ascending, without repeats', () => {
    expect(citationsIn('A [2]. B [1][3]. C [2, 4]. D [5-6].', 6)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(citationsIn('no markers here', 3)).toEqual([]);
  });
  it('drops numbers that point at no passage, keeping the rest of a marker', () => {
    expect(citationsIn('A [0] B [4] C [2, 7] D [3-9]', 4)).toEqual([2, 3, 4]);
    expect(citationsIn('in [1990-2020]', 3)).toEqual([]);
    expect(citationsIn('x [1]', 0)).toEqual([]);
  });
  it('ignores brackets that are not markers', () => {
    expect(citationsIn('arr[i] and [see 2] and [ ]', 5)).toEqual([]);
  });
});

describe('withoutMarkers', () => {
  it('removes markers and the space before them, keeping punctuation tight', () => {
    expect(withoutMarkers('Paris [2].')).toBe('Paris.');
    expect(withoutMarkers('Paris [1][2] and Lyon [3, 4]')).toBe('Paris and Lyon');
  });
});
