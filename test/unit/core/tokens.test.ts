import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../../../src/core/tokens.js';

describe('estimateTokens', () => {
  it('is 0 for empty text and at least 1 otherwise', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('   ')).toBe(1);
  });

  it('counts about 1.3 tokens per word plus half a token per symbol', () => {
    expect(estimateTokens('hello world')).toBe(3); // ceil(2 * 1.3)
    expect(estimateTokens('a, b.')).toBe(4); // ceil(2 * 1.3 + 2 * 0.5)
    expect(estimateTokens('one two three four five six seven eight nine ten')).toBe(13);
  });

  it('grows with the text', () => {
    const short = estimateTokens('The quick brown fox.');
    const long = estimateTokens('The quick brown fox. '.repeat(10));
    expect(long).toBeGreaterThan(short * 9);
  });
});
