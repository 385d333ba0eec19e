/** Chunks fetched per wanted document: a document's score is its best chunk's, so ask for some spare. */
export const CHUNKS_PER_DOC = 3;

/**
 * The document ranking of a chunk ranking: each document at the rank of its best chunk, once. The query's own id
 * is left out, as BEIR does (in some sets a query is also a corpus document).
 */
export function documentRanking(chunkDocIds: Iterable<string>, queryId: string): string[] {
  const ranked: string[] = [];
  const seen = new Set<string>([queryId]);
  for (const docId of chunkDocIds) {
    if (seen.has(docId)) continue;
    seen.add(docId);
    ranked.push(docId);
  }
  return ranked;
}
