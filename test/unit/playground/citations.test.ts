import { describe, expect, it } from 'vitest';
import { citationPieces, citedNumbers, withMissingMarkers } from '../../../public/playground/citations.js';
import { citationsIn } from '../../../src/models/citation-markers.js';

/** The pieces as a string: linked numbers in braces, with their passage number when it differs from the text. */
const shown = (text: string, passages: number): string =>
  citationPieces(text, passages)
    .map((p) => (p.n === undefined ? p.text : `{${p.text}${p.text === String(p.n) || p.text === `[${p.n}]` ? '' : `=${p.n}`}}`))
    .join('');

describe("the playground's citation markers", () => {
  it('reads markers as the server does', () => {
    for (const [text, passages] of [
      ['A [2]. B [1][3]. C [2, 4]. D [5-6].', 6],
      ['A [0] B [4] C [2, 7] D [3-9]', 4],
      ['in [1990-2020]', 3],
      ['x [1]', 0],
      ['arr[i] and [see 2] and [ ]', 5],
      ['odd [1-2-3] and [4–5] and [3 ,1]', 9],
    ] as const) {
      expect(citedNumbers(text, passages), text).toEqual(citationsIn(text, passages));
    }
  });

  it('appends a marker per citation the text lacks, as the chat route does', () => {
    const cites = [{ n: 1 }, { n: 2 }, { n: 3 }];
    expect(withMissingMarkers('Every five seconds.', cites)).toBe('Every five seconds. [1][2][3]');
    // A bracketed number already in the text no longer stops the others being added.
    expect(withMissingMarkers('Every five seconds [2].', cites)).toBe('Every five seconds [2]. [1][3]');
    expect(withMissingMarkers('Flashes [1, 3] every [2-3] seconds.', cites)).toBe('Flashes [1, 3] every [2-3] seconds.');
    expect(withMissingMarkers('No citations.', [])).toBe('No citations.');
  });

  it('links [n] whole, each number of [3, 4] and the ends of [2-4], and leaves numbers beyond the passages plain', () => {
    expect(shown('Paris [2].', 6)).toBe('Paris {[2]}.');
    expect(shown('Paris [3, 4] and [2-4].', 6)).toBe('Paris [{3}, {4}] and [{2}-{4}].');
    expect(shown('Lyon [9] and [5, 9] and [5–9] and [0].', 6)).toBe('Lyon [9] and [{5}, 9] and [{5}–9] and [0].');
    expect(shown('years [1990-2020], arr[1] [see 2]', 6)).toBe('years [1990-2020], arr{[1]} [see 2]');
    expect(shown('no passages [1]', 0)).toBe('no passages [1]');
  });

  it('keeps the text as written', () => {
    const text = 'A [ 1 ] b [2 , 3] c [4 - 5] d [1][2] e [77]';
    expect(citationPieces(text, 5).map((p) => p.text).join('')).toBe(text);
    expect(citationPieces(text, 5).filter((p) => p.n !== undefined).map((p) => p.n)).toEqual([1, 2, 3, 4, 5, 1, 2]);
  });
});
