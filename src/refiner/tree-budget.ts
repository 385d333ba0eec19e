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
 * penalised for the descendants it replaces. Nodes `eligible` refuses are never taken. Returns the chosen nodes (none
 * nested in another).
 */
export function selectNodes(
  forest: RefineForest,
  scores: ReadonlyMap<number, number>,
  tokens: ReadonlyMap<number, number>,
  budget: number,
  redundancy?: Redundancy,
  eligible: (node: number, score: number) => boolean = () => true,
): number[] {
  // A node larger than the whole budget never fits, even replacing descendants already taken (they are within it).
  const candidates = [...scores.entries()]
    .filter(([i, s]) => {
      const n = tokens.get(i) ?? 0;
      return n > 0 && n <= budget && eligible(i, s);
    })
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
  /** The nodes taken that a node would replace, when it fits (and is not inside one taken); else null. */
  const fit = (node: number): number[] | null => {
    if (chain(node).some((a) => chosen.has(a))) return null;
    // Only a parent can replace nodes taken before (its descendants).
    const covered = (forest.nodes[node]?.children.length ?? 0) > 0 ? [...chosen].filter((c) => chain(c).includes(node)) : [];
    const cost = (tokens.get(node) ?? 0) - covered.reduce((s, c) => s + (tokens.get(c) ?? 0), 0);
    return used + cost > budget ? null : covered;
  };
  const take = (node: number, covered: readonly number[]): void => {
    for (const c of covered) {
      chosen.delete(c);
      used -= tokens.get(c) ?? 0;
    }
    chosen.add(node);
    used += tokens.get(node) ?? 0;
  };
  if (!redundancy || redundancy.weight <= 0) {
    for (const node of candidates) {
      // Nothing left could fit: stop rather than walk the rest.
      if (used + minCost > budget) break;
      const covered = fit(node);
      if (covered) take(node, covered);
    }
    return [...chosen];
  }
  // Lazy MMR: a node's penalty only grows as nodes are taken, so a worth computed earlier bounds its worth now.
  // Candidates wait in a heap by (worth, score order); the top is brought up to date and, if still on top, is the
  // best; else it goes back. Few nodes are brought up to date per round, however many candidates there are.
  const taken: number[] = [];
  const penalty = new Float64Array(candidates.length);
  const seen = new Int32Array(candidates.length);
  const worth = Float64Array.from(candidates, (i) => scores.get(i) ?? 0);
  const heap = new CandidateHeap(worth, candidates.length);
  // What does not fit now never will (taking more only uses more), so it is dropped before any comparison.
  while (used + minCost <= budget && heap.size > 0) {
    const k = heap.top();
    const covered = fit(candidates[k] as number);
    if (!covered) {
      heap.pop();
      continue;
    }
    if ((seen[k] ?? 0) < taken.length) {
      const node = candidates[k] as number;
      let p = penalty[k] ?? 0;
      for (let h = seen[k] ?? 0; h < taken.length; h++) {
        const other = taken[h] as number;
        if (!chain(other).includes(node)) p = Math.max(p, redundancy.similarity(node, other));
      }
      penalty[k] = p;
      seen[k] = taken.length;
      worth[k] = (scores.get(node) ?? 0) - redundancy.weight * p;
      heap.lowerTop();
      continue;
    }
    heap.pop();
    take(candidates[k] as number, covered);
    taken.push(candidates[k] as number);
  }
  return [...chosen];
}

/**
 * A max-heap of candidate positions by worth, ties to the earlier position (the higher score), over a worth array
 * the caller lowers in place for the top (then calls `lowerTop`).
 */
class CandidateHeap {
  private readonly items: Int32Array;
  size: number;

  constructor(
    private readonly worth: Float64Array,
    n: number,
  ) {
    // Positions are in score order and worth starts as the score: already a heap.
    this.items = Int32Array.from({ length: n }, (_, i) => i);
    this.size = n;
  }

  top(): number {
    return this.items[0] as number;
  }

  pop(): void {
    this.size--;
    this.items[0] = this.items[this.size] as number;
    this.down(0);
  }

  lowerTop(): void {
    this.down(0);
  }

  private before(a: number, b: number): boolean {
    const wa = this.worth[a] as number;
    const wb = this.worth[b] as number;
    return wa > wb || (wa === wb && a < b);
  }

  private down(i: number): void {
    const items = this.items;
    const item = items[i] as number;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && this.before(items[r] as number, items[l] as number) ? r : l;
      if (!this.before(items[c] as number, item)) break;
      items[i] = items[c] as number;
      i = c;
    }
    items[i] = item;
  }
}
