import type { ScoredChunk } from '../core/types.js';

/** One ranked list to fuse, with its weight (1 when all lists count the same). */
export interface RankedList {
  hits: readonly ScoredChunk[];
  weight?: number;
  /** Names the list in `source` of fused hits, e.g. "bm25" or a sub-query. */
  name?: string;
}

/** Reciprocal rank fusion (Cormack et al.): sum of weight / (k + rank), keyed on chunk id; k = 60 by default. */
export function reciprocalRankFusion(lists: readonly RankedList[], options: { k?: number; limit?: number } = {}): ScoredChunk[] {
  const k = options.k ?? 60;
  return fuse(lists, options.limit, (_hit, rank) => 1 / (k + rank + 1));
}

/** Score fusion: each list's scores min-max normalised to [0, 1], then a weighted sum (CombSUM). */
export function normalizedScoreFusion(lists: readonly RankedList[], options: { limit?: number } = {}): ScoredChunk[] {
  const bounds = lists.map((l) => {
    const scores = l.hits.map((h) => h.score);
    const min = Math.min(...scores);
    const max = Math.max(...scores);
    return { min, span: max - min };
  });
  return fuse(lists, options.limit, (hit, _rank, listIndex) => {
    const b = bounds[listIndex] ?? { min: 0, span: 0 };
    return b.span > 0 ? (hit.score - b.min) / b.span : 1;
  });
}

/**
 * Borda count: in a list ranking n candidates, rank r (from 0) earns (n - r) / n points, so every list gives its
 * first 1 and a candidate it left out 0; points are weighted and summed. Unlike RRF, a list's last places still
 * separate candidates: suited to rerankers that each order the same, short candidate list. `candidates` is n
 * (default: each list's own length).
 */
export function bordaFusion(lists: readonly RankedList[], options: { candidates?: number; limit?: number } = {}): ScoredChunk[] {
  return fuse(lists, options.limit, (_hit, rank, listIndex) => {
    const n = Math.max(options.candidates ?? 0, lists[listIndex]?.hits.length ?? 0);
    return (n - rank) / n;
  });
}

/**
 * Entropy weights for lists: a list whose top-k scores are peaked (low entropy of their softmax) is confident
 * about its best hits and counts more; a flat list counts less. Returns weights summing to the number of lists.
 */
export function entropyWeights(lists: readonly RankedList[], topK = 10): number[] {
  const raw = lists.map((l) => {
    const scores = l.hits.slice(0, topK).map((h) => h.score);
    if (scores.length <= 1) return 1;
    const max = Math.max(...scores);
    const min = Math.min(...scores);
    const span = max - min || 1;
    // Scores on one scale (0..1) before the softmax, so lists with different score ranges compare.
    const exps = scores.map((s) => Math.exp((s - max) / span / 0.25));
    const sum = exps.reduce((a, b) => a + b, 0);
    const h = -exps.reduce((acc, e) => acc + (e / sum) * Math.log(e / sum), 0) / Math.log(scores.length);
    return 1 - h + 1e-3;
  });
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => (w / total) * lists.length);
}

function fuse(
  lists: readonly RankedList[],
  limit: number | undefined,
  contribution: (hit: ScoredChunk, rank: number, listIndex: number) => number,
): ScoredChunk[] {
  const fused = new Map<string, ScoredChunk>();
  lists.forEach((list, listIndex) => {
    const weight = list.weight ?? 1;
    list.hits.forEach((hit, rank) => {
      const add = weight * contribution(hit, rank, listIndex);
      const seen = fused.get(hit.id);
      if (seen) seen.score += add;
      else fused.set(hit.id, { ...hit, score: add, source: 'fusion' });
    });
  });
  const out = [...fused.values()].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  return limit === undefined ? out : out.slice(0, limit);
}
