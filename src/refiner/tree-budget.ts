import type { RefineForest } from './refine-tree.js';

/** Maximal marginal relevance in the budget: a node is worth its score less `weight` times its likeness to the chosen. */
export interface Redundancy {
  weight: number;
  /** Likeness of two nodes' texts in [0, 1] (cosine of their term vectors). */
  similarity(a: number, b: number): number;
}

/**
 * Budgeted selection over the forest: nodes are taken by score, highest first; a node under one already taken is
 * skipped; a parent that is taken replaces those of its descendants taken before (its cost is only the text they
 * did not already cover); a node that does not fit is skipped so a smaller one further down can use the room.
 * With `redundancy`, the next node is the one with the best score less its penalty for repeating what was already
 * taken (Carbonell and Goldstein's MMR), so the budget is not spent saying the same thing twice; a parent is not
 * penalised for the descendants it replaces. Returns the chosen nodes (none nested in another).
 */
export function selectNodes(
  forest: RefineForest,
  scores: ReadonlyMap<number, number>,
  tokens: ReadonlyMap<number, number>,
  budget: number,
  redundancy?: Redundancy,
): number[] {
  const candidates = [...scores.entries()]
    .filter(([i]) => (tokens.get(i) ?? 0) > 0)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .map(([i]) => i);
  const chosen = new Set<number>();
  let used = 0;
  const chains = new Map<number, number[]>();
  const chain = (i: number): number[] => {
    let c = chains.get(i);
    if (!c) {
      c = [];
      for (let p = forest.nodes[i]?.parent ?? null; p !== null; p = forest.nodes[p]?.parent ?? null) c.push(p);
      chains.set(i, c);
    }
    return c;
  };
  let minCost = Number.POSITIVE_INFINITY;
  for (const i of candidates) minCost = Math.min(minCost, tokens.get(i) ?? 0);
  /** Takes a node if it fits (and is not inside one taken); true when taken. */
  const take = (node: number): boolean => {
    if (chain(node).some((a) => chosen.has(a))) return false;
    const covered = [...chosen].filter((c) => chain(c).includes(node));
    const cost = (tokens.get(node) ?? 0) - covered.reduce((s, c) => s + (tokens.get(c) ?? 0), 0);
    if (used + cost > budget) return false;
    for (const c of covered) chosen.delete(c);
    chosen.add(node);
    used += cost;
    return true;
  };
  if (!redundancy || redundancy.weight <= 0) {
    for (const node of candidates) {
      // Nothing left could fit: stop rather than walk the rest.
      if (used + minCost > budget) break;
      take(node);
    }
    return [...chosen];
  }
  // Lazy MMR: a node's penalty only grows as nodes are taken, so its score bounds its worth; each round walks the
  // candidates in score order, bringing penalties up to date, until no later score can beat the best worth found.
  const taken: number[] = [];
  const penalty = new Float64Array(candidates.length);
  const seen = new Int32Array(candidates.length);
  const done = new Uint8Array(candidates.length);
  let first = 0;
  while (used + minCost <= budget) {
    while (first < candidates.length && done[first]) first++;
    if (first >= candidates.length) break;
    let best = -1;
    let bestWorth = Number.NEGATIVE_INFINITY;
    for (let k = first; k < candidates.length; k++) {
      if (done[k]) continue;
      const node = candidates[k] as number;
      const score = scores.get(node) ?? 0;
      if (score <= bestWorth) break;
      for (let h = seen[k] ?? 0; h < taken.length; h++) {
        const other = taken[h] as number;
        if (chain(other).includes(node)) continue;
        penalty[k] = Math.max(penalty[k] ?? 0, redundancy.similarity(node, other));
      }
      seen[k] = taken.length;
      const worth = score - redundancy.weight * (penalty[k] ?? 0);
      if (worth > bestWorth) {
        bestWorth = worth;
        best = k;
      }
    }
    if (best < 0) break;
    done[best] = 1;
    const node = candidates[best] as number;
    if (take(node)) taken.push(node);
  }
  return [...chosen];
}
