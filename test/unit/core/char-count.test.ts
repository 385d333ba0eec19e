import { describe, expect, it } from 'vitest';
import { firstChars, longerThan } from '../../../src/core/char-count.js';

describe('longerThan', () => {
  it('counts code points, as the request schemas do: an emoji is one character, not two', () => {
    expect(longerThan('abc', 3)).toBe(false);
    expect(longerThan('abcd', 3)).toBe(true);
    expect(longerThan('😀😀😀', 3)).toBe(false);
    expect(longerThan('😀😀😀😀', 3)).toBe(true);
    expect(longerThan('', 0)).toBe(false);
  });
});

describe('firstChars', () => {
  it('cuts after max code points, never inside an emoji (slice by UTF-16 unit left a lone surrogate)', () => {
    expect(firstChars('😀😀😀 words', 2)).toBe('😀😀');
    expect(firstChars('😀😀😀 words', 2).isWellFormed()).toBe(true);
    expect(firstChars('abc', 5)).toBe('abc');
    expect(firstChars('abcdef', 3)).toBe('abc');
  });
});
