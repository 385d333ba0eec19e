import type { RefineForest } from './refine-tree.js';

/**
 * Budgeted selection over the forest: nodes are taken by score, highest first; a node under one already taken is
 * skipped; a parent that is taken replaces those of its descendants taken before (its cost is only the text they
 * did not already cover); a node that does not fit is skipped so a smaller one further down can use the room.
 * Returns the chosen nodes (none nested in another).
 */
export function selectNodes(forest: RefineForest, scores: ReadonlyMap<number, number>, tokens: ReadonlyMap<number, number>, budget: number): number[] {
  const candidates = [...scores.entries()]
    .filter(([i]) => (tokens.get(i) ?? 0) > 0)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .map(([i]) => i);
  const chosen = new Set<number>();
  let used = 0;
  const ancestors = (i: number): number[] => {
    const out: number[] = [];
    for (let p = forest.nodes[i]?.parent ?? null; p !== null; p = forest.nodes[p]?.parent ?? null) out.push(p);
    return out;
  };
  const chains = new Map<number, number[]>();
  const chain = (i: number): number[] => {
    let c = chains.get(i);
    if (!c) chains.set(i, (c = ancestors(i)));
    return c;
  };
  const minCost = Math.min(...candidates.map((i) => tokens.get(i) ?? 0));
  for (const node of candidates) {
    // Nothing left could fit: stop rather than walk the rest.
    if (used + minCost > budget) break;
    if (chain(node).some((a) => chosen.has(a))) continue;
    const covered = [...chosen].filter((c) => chain(c).includes(node));
    const cost = (tokens.get(node) ?? 0) - covered.reduce((s, c) => s + (tokens.get(c) ?? 0), 0);
    if (used + cost > budget) continue;
    for (const c of covered) chosen.delete(c);
    chosen.add(node);
    used += cost;
  }
  return [...chosen];
}
