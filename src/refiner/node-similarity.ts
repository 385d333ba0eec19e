import type { TextMemo } from '../core/text-memo.js';
import { leafTerms } from './node-scorer.js';
import type { RefineForest } from './refine-tree.js';
import { idf, type TermStatistics } from './term-statistics.js';

/**
 * Cosine similarity of two nodes' texts for one request: term counts (a parent's the sum of its leaves'),
 * weighted by the corpus's inverse document frequency when known (else plain counts). Vectors and norms are built
 * on first use, since the budget compares only the nodes near the top.
 */
export function nodeSimilarity(forest: RefineForest, memo: TextMemo, stats: TermStatistics | undefined): (a: number, b: number) => number {
  const weights = new Map<string, number>();
  const weight = (t: string): number => {
    if (!stats || stats.size === 0) return 1;
    let w = weights.get(t);
    if (w === undefined) weights.set(t, (w = idf(stats.size, stats.docFreq(t))));
    return w;
  };
  const vectors = new Map<number, { v: Map<string, number>; norm: number }>();
  const vectorOf = (i: number): { v: Map<string, number>; norm: number } => {
    let out = vectors.get(i);
    if (out) return out;
    const node = forest.nodes[i];
    const v = new Map<string, number>();
    if (node && node.children.length === 0) for (const [t, n] of leafTerms(forest, i, memo)) v.set(t, n * weight(t));
    else for (const c of node?.children ?? []) for (const [t, x] of vectorOf(c).v) v.set(t, (v.get(t) ?? 0) + x);
    let sq = 0;
    for (const x of v.values()) sq += x * x;
    out = { v, norm: Math.sqrt(sq) };
    vectors.set(i, out);
    return out;
  };
  return (a, b) => {
    const x = vectorOf(a);
    const y = vectorOf(b);
    if (x.norm === 0 || y.norm === 0) return 0;
    const [small, large] = x.v.size <= y.v.size ? [x.v, y.v] : [y.v, x.v];
    let dot = 0;
    for (const [t, n] of small) {
      const m = large.get(t);
      if (m !== undefined) dot += n * m;
    }
    return dot / (x.norm * y.norm);
  };
}
