import { describe, expect, it } from 'vitest';
import type { StructureNode } from '../../../src/core/types.js';
import { TextMemo } from '../../../src/core/text-memo.js';
import { nodeSimilarity } from '../../../src/refiner/node-similarity.js';
import { buildForest } from '../../../src/refiner/refine-tree.js';
import { selectNodes } from '../../../src/refiner/tree-budget.js';

const para = (text: string): StructureNode => ({ kind: 'paragraph', text, level: 1, children: [] });
const section = (title: string, ...texts: string[]): StructureNode => ({ kind: 'section', title, level: 1, children: texts.map(para) });

const forest = buildForest(
  [
    {
      docId: 'd',
      title: 'D',
      structure: {
        kind: 'document',
        title: 'D',
        level: 0,
        children: [
          section('A', 'The bridge opened in 1932 after six years of work.', 'The bridge opened in 1932 after six years of building.'),
          section('B', 'Its steel arch spans five hundred metres over the harbour.'),
        ],
      },
    },
  ],
  40,
);
const leaf = (text: string): number => forest.leaves.find((l) => forest.nodes[l]?.text.includes(text)) as number;
const [first, twin, other] = [leaf('of work'), leaf('of building'), leaf('steel arch')];
const tokens = new Map(forest.nodes.map((n) => [n.index, n.children.length === 0 ? 10 : 10 * n.children.length]));

describe('selectNodes', () => {
  const scores = new Map([
    [first, 1],
    [twin, 0.95],
    [other, 0.8],
  ]);

  it('takes by score alone without a redundancy penalty', () => {
    expect(selectNodes(forest, scores, tokens, 20).sort()).toEqual([first, twin].sort());
  });

  it('with MMR, prefers a different passage to a near copy of one already taken', () => {
    const similarity = nodeSimilarity(forest, new TextMemo(), undefined);
    expect(similarity(first, twin)).toBeGreaterThan(0.7);
    expect(similarity(first, other)).toBeLessThan(0.2);
    expect(selectNodes(forest, scores, tokens, 20, { weight: 0.5, similarity }).sort()).toEqual([first, other].sort());
    // With room for all three, the copy is still taken: the penalty orders, it does not exclude.
    expect(selectNodes(forest, scores, tokens, 30, { weight: 0.5, similarity })).toHaveLength(3);
  });

  it('lets a parent replace its taken children without penalising it for them', () => {
    const sectionA = forest.nodes[first]?.parent as number;
    const withParent = new Map([...scores, [sectionA, 0.9]]);
    const similarity = nodeSimilarity(forest, new TextMemo(), undefined);
    const chosen = selectNodes(forest, withParent, tokens, 20, { weight: 0.5, similarity });
    // The section (20 tokens) replaces its first leaf, costing only the 10 tokens of the twin.
    expect(chosen).toEqual([sectionA]);
  });
});
