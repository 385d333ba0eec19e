import type { TextMemo } from '../core/text-memo.js';
import { leafTerms } from './node-scorer.js';
import type { RefineForest } from './refine-tree.js';
import { idf, type TermStatistics } from './term-statistics.js';

/** A sparse term vector: term ids ascending, their weights, and its length. */
interface Vector {
  ids: Int32Array;
  values: Float64Array;
  norm: number;
}

/**
 * Cosine similarity of two nodes' texts for one request: term counts (a parent's the sum of its leaves'),
 * weighted by the corpus's inverse document frequency when known (else plain counts). Vectors are built on first
 * use, since the budget compares only the nodes near the top, as sorted arrays of term ids (numbered per request)
 * so that a comparison is one merge.
 */
export function nodeSimilarity(forest: RefineForest, memo: TextMemo, stats: TermStatistics | undefined): (a: number, b: number) => number {
  const ids = new Map<string, number>();
  const weights: number[] = [];
  const idOf = (t: string): number => {
    let id = ids.get(t);
    if (id === undefined) {
      id = weights.length;
      ids.set(t, id);
      weights.push(stats ? idf(stats.size, stats.docFreq(t)) : 1);
    }
    return id;
  };
  const vectors = new Map<number, Vector>();
  const vectorOf = (i: number): Vector => {
    let out = vectors.get(i);
    if (out) return out;
    const node = forest.nodes[i];
    const sum = new Map<number, number>();
    if (node && node.children.length === 0) for (const [t, n] of leafTerms(forest, i, memo)) sum.set(idOf(t), n);
    else for (const c of node?.children ?? []) {
      const v = vectorOf(c);
      for (let k = 0; k < v.ids.length; k++) sum.set(v.ids[k] as number, (sum.get(v.ids[k] as number) ?? 0) + (v.values[k] as number));
    }
    out = packed(sum, node && node.children.length === 0 ? weights : null);
    vectors.set(i, out);
    return out;
  };
  return (a, b) => {
    const x = vectorOf(a);
    const y = vectorOf(b);
    if (x.norm === 0 || y.norm === 0) return 0;
    let dot = 0;
    let i = 0;
    let j = 0;
    while (i < x.ids.length && j < y.ids.length) {
      const p = x.ids[i] as number;
      const q = y.ids[j] as number;
      if (p === q) dot += (x.values[i++] as number) * (y.values[j++] as number);
      else if (p < q) i++;
      else j++;
    }
    return dot / (x.norm * y.norm);
  };
}

/** Sorted arrays from term id to count; counts weighted when `weights` is given (a leaf's), else taken as they are. */
function packed(sum: Map<number, number>, weights: readonly number[] | null): Vector {
  const ids = Int32Array.from(sum.keys()).sort();
  const values = new Float64Array(ids.length);
  let sq = 0;
  ids.forEach((id, k) => {
    const v = (sum.get(id) ?? 0) * (weights ? (weights[id] ?? 1) : 1);
    values[k] = v;
    sq += v * v;
  });
  return { ids, values, norm: Math.sqrt(sq) };
}
