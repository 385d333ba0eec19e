import type { RefineForest } from './refine-tree.js';

export interface ContextWeights {
  /** Weight of each adjacent leaf of the same document in its neighbourhood's mean, relative to the leaf's own (1). */
  neighbours: number;
  /** Share of a leaf's score that comes from its document's relevance when the need is wholly global (alpha 1). */
  document: number;
}

/**
 * A leaf's score read in its context. A paragraph, or a unit of one, is short: alone its score rests on a handful
 * of words, so a stray match in an off-topic page can outrank the text around the evidence. Two classic sources
 * of passage context steady it:
 * - its neighbourhood: a leaf amid relevant text is lifted to the (weighted) mean of itself and its adjacent
 *   leaves in the document; never lowered, so a lone relevant paragraph (a factoid's answer) keeps its score;
 * - its document's relevance as a whole, which weighs as much as the question's need is global (alpha, from the
 *   query analysis): a question asking for an overview is answered from the documents about it, a factoid from
 *   wherever its fact is.
 * Leaf and document scores are min-max normalised over the request first; the result is in [0, 1].
 */
export function contextScores(
  forest: RefineForest,
  leaves: ReadonlyMap<number, number>,
  documents: readonly number[],
  weights: ContextWeights,
  alpha: number,
): Map<number, number> {
  const own = normalised(leaves);
  const docs = minMax(documents);
  const share = Math.min(1, Math.max(0, weights.document * alpha));
  const out = new Map<number, number>();
  const order = forest.leaves;
  order.forEach((leaf, k) => {
    const s = own.get(leaf);
    if (s === undefined) return;
    const doc = forest.nodes[leaf]?.doc ?? 0;
    let sum = s;
    let weight = 1;
    for (const j of [k - 1, k + 1]) {
      const other = order[j];
      if (other === undefined || forest.nodes[other]?.doc !== doc) continue;
      sum += weights.neighbours * (own.get(other) ?? 0);
      weight += weights.neighbours;
    }
    out.set(leaf, (1 - share) * Math.max(s, sum / weight) + share * (docs[doc] ?? 0));
  });
  return out;
}

/** Scores by node, min-max scaled (`minMax`). */
export function normalised(scores: ReadonlyMap<number, number>): Map<number, number> {
  const scaled = minMax([...scores.values()]);
  return new Map([...scores.keys()].map((k, i) => [k, scaled[i] ?? 0]));
}

/** Min-max scaling to [0, 1]; one score, or all alike, gives no preference (all 0). */
function minMax(scores: readonly number[]): number[] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of scores) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  const span = max - min;
  return scores.map((s) => (span > 0 ? (s - min) / span : 0));
}
