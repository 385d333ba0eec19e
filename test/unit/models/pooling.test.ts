import { describe, expect, it } from 'vitest';
import { l2Normalize, poolTokens } from '../../../src/models/pooling.js';

describe('poolTokens', () => {
  // Two rows of three tokens, hidden size 2; the second row's last token is padding.
  const states = Float32Array.from([1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 99, 99]);
  const mask = [Uint8Array.from([1, 1, 1]), Uint8Array.from([1, 1, 0])];

  it('mean-pools over real tokens only', () => {
    const [a, b] = poolTokens(states, [2, 3, 2], mask, 'mean', false);
    expect(Array.from(a ?? [])).toEqual([3, 4]);
    expect(Array.from(b ?? [])).toEqual([20, 30]);
  });

  it('takes the first token for cls pooling', () => {
    const [a, b] = poolTokens(states, [2, 3, 2], mask, 'cls', false);
    expect(Array.from(a ?? [])).toEqual([1, 2]);
    expect(Array.from(b ?? [])).toEqual([10, 20]);
  });

  it('normalises to unit length when asked', () => {
    for (const v of poolTokens(states, [2, 3, 2], mask, 'mean', true)) {
      expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    }
  });
});

describe('l2Normalize', () => {
  it('scales to unit length and leaves a zero vector alone', () => {
    expect(Array.from(l2Normalize(Float32Array.from([3, 4])))).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(Array.from(l2Normalize(new Float32Array(3)))).toEqual([0, 0, 0]);
  });
});
