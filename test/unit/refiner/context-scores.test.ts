import { describe, expect, it } from 'vitest';
import type { StructureNode } from '../../../src/core/types.js';
import { contextScores } from '../../../src/refiner/context-scores.js';
import { buildForest } from '../../../src/refiner/refine-tree.js';

const para = (text: string): StructureNode => ({ kind: 'paragraph', text, level: 0, children: [] });
const doc = (id: string, ...texts: string[]) => ({ docId: id, title: id, structure: { kind: 'document' as const, title: id, level: 0, children: texts.map(para) } });

/** Leaf scores by document and position, from a table of raw scores. */
function setup(table: number[][]) {
  const forest = buildForest(table.map((row, d) => doc(`d${d}`, ...row.map((_, i) => `paragraph ${i}`))), 40);
  const leaves = new Map<number, number>();
  const at = (d: number, i: number): number => forest.leaves.filter((l) => forest.nodes[l]?.doc === d)[i] as number;
  table.forEach((row, d) => row.forEach((s, i) => leaves.set(at(d, i), s)));
  return { forest, leaves, at };
}

describe('contextScores', () => {
  it('lifts a leaf amid relevant text to its neighbourhood mean, and never lowers a lone relevant one', () => {
    const { forest, leaves, at } = setup([[0, 1, 0, 1, 0.2, 1]]);
    const s = contextScores(forest, leaves, [0], { neighbours: 1, document: 0 }, 1);
    // Between two relevant leaves: (1 + 0.2 + 1) / 3.
    expect(s.get(at(0, 4))).toBeCloseTo(2.2 / 3, 6);
    // Relevant leaves next to irrelevant ones keep their own score.
    expect(s.get(at(0, 1))).toBe(1);
    expect(s.get(at(0, 5))).toBe(1);
    // The first leaf has one neighbour: (0 + 1) / 2.
    expect(s.get(at(0, 0))).toBeCloseTo(0.5, 6);
  });

  it('takes neighbours from the same document only', () => {
    const { forest, leaves, at } = setup([[0.5, 0], [1, 0.5]]);
    const s = contextScores(forest, leaves, [0, 0], { neighbours: 1, document: 0 }, 1);
    // d0's last leaf is followed by d1's first in the forest, but is not its neighbour.
    expect(s.get(at(0, 1))).toBeCloseTo(0.25, 6);
  });

  it('draws on the document as far as alpha makes the need global', () => {
    const { forest, leaves, at } = setup([[1, 0], [1, 0]]);
    const documents = [10, 2];
    const local = contextScores(forest, leaves, documents, { neighbours: 0, document: 0.5 }, 0);
    expect(local.get(at(0, 0))).toBe(local.get(at(1, 0)));
    const global = contextScores(forest, leaves, documents, { neighbours: 0, document: 0.5 }, 1);
    // Half from the document: the better document's leaf gains 0.5, the worse one's nothing.
    expect(global.get(at(0, 0))).toBeCloseTo(1, 6);
    expect(global.get(at(1, 0))).toBeCloseTo(0.5, 6);
    expect(global.get(at(0, 1))).toBeCloseTo(0.5, 6);
  });

  it('gives no preference among documents that score alike, or to a single one', () => {
    const { forest, leaves, at } = setup([[1, 0]]);
    const s = contextScores(forest, leaves, [7], { neighbours: 0, document: 0.5 }, 1);
    expect(s.get(at(0, 0))).toBeCloseTo(0.5, 6);
    expect(s.get(at(0, 1))).toBe(0);
  });
});
