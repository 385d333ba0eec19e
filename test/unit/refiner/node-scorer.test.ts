import { describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import { TextMemo } from '../../../src/core/text-memo.js';
import type { ScoredChunk, StructureNode } from '../../../src/core/types.js';
import { scoreLeaves } from '../../../src/refiner/node-scorer.js';
import { buildForest } from '../../../src/refiner/refine-tree.js';
import type { TermStatistics } from '../../../src/refiner/term-statistics.js';
import { Reranker } from '../../../src/rerankers/reranker.js';

/** Keeps the first-stage (BM25) scores, so the test reads them. */
class FirstStage extends Reranker {
  readonly name = 'first-stage';
  protected doRerank(_query: string, chunks: ScoredChunk[]): ScoredChunk[] {
    return chunks;
  }
}

const para = (text: string): StructureNode => ({ kind: 'paragraph', text, level: 0, children: [] });
const doc = (id: string, ...texts: string[]) => ({ docId: id, title: id, structure: { kind: 'document' as const, title: id, level: 0, children: texts.map(para) } });

const forest = buildForest(
  [
    doc('recipes', 'Kofte are grilled meatballs of minced beef.', 'Kofte are served with yoghurt.', 'Kofte spices vary by region.'),
    doc('safety', 'Raw minced meat carries risks for pregnant women.', 'Kofte should be cooked through.'),
  ],
  40,
);
const leafWith = (text: string): number => forest.leaves.find((l) => forest.nodes[l]?.text.includes(text)) as number;
const corpus = (df: Record<string, number>): TermStatistics => ({ size: 10_000, docFreq: (t) => df[t] ?? 0 });

describe('scoreLeaves', () => {
  it('weighs query terms by their rarity among the request without corpus statistics', async () => {
    const r = await scoreLeaves('kofte risks', forest, new FirstStage(), new TextMemo(), new RunContext());
    // "kofte" is in most leaves, "risks" in one: the leaf with "risks" leads.
    expect(r.leaves.get(leafWith('risks'))).toBeGreaterThan(r.leaves.get(leafWith('yoghurt')) ?? 0);
  });

  it('weighs them by the corpus when given: a term common in the corpus weighs little', async () => {
    const stats = corpus({ kofte: 3, risk: 4_000 });
    const r = await scoreLeaves('kofte risks', forest, new FirstStage(), new TextMemo(), new RunContext(), stats);
    expect(r.leaves.get(leafWith('yoghurt'))).toBeGreaterThan(r.leaves.get(leafWith('risks')) ?? 0);
  });

  it('scores each document as a whole: more of the query, and more often, scores higher', async () => {
    const r = await scoreLeaves('kofte spices', forest, new FirstStage(), new TextMemo(), new RunContext(), corpus({ kofte: 3, spice: 30 }));
    expect(r.documents).toHaveLength(2);
    expect(r.documents[0]).toBeGreaterThan(r.documents[1] ?? 0);
    expect(r.documents[1]).toBeGreaterThan(0);
    const none = await scoreLeaves('submarine', forest, new FirstStage(), new TextMemo(), new RunContext());
    expect(none.documents).toEqual([0, 0]);
  });
});
