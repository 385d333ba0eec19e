/** Retrieval metrics with trec_eval's conventions (as BEIR reports them through pytrec_eval). */

/** Relevance judgements of one query: document id -> grade (> 0 is relevant). */
export type Judgements = ReadonlyMap<string, number>;

/** nDCG@k with linear gains (trec_eval's ndcg_cut); the ideal ranking uses every judged relevant document. */
export function ndcgAt(ranked: readonly string[], rel: Judgements, k: number): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    const g = rel.get(id) ?? 0;
    if (g > 0) dcg += g / Math.log2(i + 2);
  });
  const ideal = [...rel.values()]
    .filter((g) => g > 0)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, g, i) => sum + g / Math.log2(i + 2), 0);
  return ideal === 0 ? 0 : dcg / ideal;
}

/** Share of the relevant documents found in the top k. */
export function recallAt(ranked: readonly string[], rel: Judgements, k: number): number {
  const relevant = [...rel.values()].filter((g) => g > 0).length;
  if (relevant === 0) return 0;
  return ranked.slice(0, k).filter((id) => (rel.get(id) ?? 0) > 0).length / relevant;
}

/**
 * 1 when every relevant document is in the top k, else 0: supporting-document recall of multi-hop questions
 * (HotpotQA's two gold paragraphs both retrieved). 0 for a query without relevant documents.
 */
export function allFoundAt(ranked: readonly string[], rel: Judgements, k: number): number {
  const relevant = [...rel.entries()].filter(([, g]) => g > 0).map(([id]) => id);
  if (relevant.length === 0) return 0;
  const top = new Set(ranked.slice(0, k));
  return relevant.every((id) => top.has(id)) ? 1 : 0;
}

/** Reciprocal rank of the first relevant document within the top k, 0 when none. */
export function mrrAt(ranked: readonly string[], rel: Judgements, k: number): number {
  const i = ranked.slice(0, k).findIndex((id) => (rel.get(id) ?? 0) > 0);
  return i < 0 ? 0 : 1 / (i + 1);
}

/** The p-th percentile (0..100) by linear interpolation between closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (pos - lo);
}

export const mean = (values: readonly number[]): number =>
  values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
