import { describe, expect, it } from 'vitest';
import { longerThan } from '../../../src/core/char-count.js';

describe('longerThan', () => {
  it('counts code points, as the request schemas do: an emoji is one character, not two', () => {
    expect(longerThan('abc', 3)).toBe(false);
    expect(longerThan('abcd', 3)).toBe(true);
    expect(longerThan('😀😀😀', 3)).toBe(false);
    expect(longerThan('😀😀😀😀', 3)).toBe(true);
    expect(longerThan('', 0)).toBe(false);
  });
});
