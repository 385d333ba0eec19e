/**
 * How rare a term is in the corpus the refined documents come from: the number of indexed units (chunks) and how
 * many of them hold the term. The refiner weighs query terms by these rather than by their rarity among one
 * request's paragraphs, where the words of the question's own topic are common and therefore weigh little.
 * The embedded BM25 index satisfies it (`Bm25Index`).
 */
export interface TermStatistics {
  /** Units (chunks) in the corpus. */
  readonly size: number;
  /** Units that hold the (analysed) term. */
  docFreq(term: string): number;
}

/** BM25's (Lucene's) inverse document frequency of a term held by `df` of `n` units. */
export const idf = (n: number, df: number): number => Math.log(1 + (n - df + 0.5) / (df + 0.5));
