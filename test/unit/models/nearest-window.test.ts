import { describe, expect, it } from 'vitest';
import { nearestWindow } from '../../../src/models/nearest-window.js';

describe('nearestWindow', () => {
  const index = new Map([
    ['redis', 0],
    ['down', 1],
  ]);

  it('keeps the question terms that stand within the window, the heaviest set of them', () => {
    const terms = ['redis', 'outag', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'down'];
    expect([...nearestWindow(terms, index, [1, 2], 4)]).toEqual([0, 1]);
    expect([...nearestWindow(terms, index, [2, 1], 4)]).toEqual([1, 0]);
    expect([...nearestWindow(terms, index, [1, 1], 10)]).toEqual([1, 1]);
  });

  it('finds both when they stand together late in the sentence', () => {
    const terms = ['a', 'b', 'c', 'd', 'e', 'f', 'redis', 'down'];
    expect([...nearestWindow(terms, index, [1, 1], 3)]).toEqual([1, 1]);
  });
});
