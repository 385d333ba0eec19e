/** One retrieval system of the side-by-side run, seen only through what the protocol measures. */
export interface PeerSystem {
  /** The row label, e.g. "(c) LangChain BM25Retriever". */
  readonly label: string;
  /** The family it belongs to (a, b, c, d): ratios are to the row of this project of the same kind. */
  readonly kind: 'bm25' | 'hybrid';
  /** Exactly what runs, for the notes under the table. */
  readonly what: string;
  /** The document id of each chunk it returns for `query`, best first (`k` chunks at most). */
  search(query: string, k: number): Promise<string[]>;
  close?(): Promise<void>;
}

/** One chunk as every system indexes it: the same text, from the project's own chunker. */
export interface PeerChunk {
  id: string;
  docId: string;
  /** Title, heading path and text (what the project's BM25 indexes and embeds). */
  text: string;
}
