import type { Config } from '../core/config.js';
import { RagError } from '../core/errors.js';
import type { Embedder } from '../models/embedder.js';
import type { OpenSearchStore } from '../store/opensearch-store.js';
import { FallbackRetriever } from './fallback-retriever.js';
import { FusedRetriever } from './fused-retriever.js';
import { OpenSearchBm25Retriever } from './opensearch-bm25-retriever.js';
import { OpenSearchKnnRetriever } from './opensearch-knn-retriever.js';
import type { Retriever } from './retriever.js';

export type OpenSearchMode = Config['opensearch']['mode'];

/**
 * The retriever opensearch.mode asks for (BM25, k-NN, or both fused), or the one `mode` names, wrapped in the
 * configured fallback. k-NN without an embedder is a CONFIG error at start-up, not a silent switch to BM25.
 */
export function buildOpenSearchRetriever(config: Config, store: OpenSearchStore, fallback: Retriever | null, mode: OpenSearchMode = config.opensearch.mode): Retriever {
  const os = config.opensearch;
  const bm25 = (): Retriever => new OpenSearchBm25Retriever(store, { maxQueryTerms: config.retrieval.bm25.maxQueryTerms, titleBoost: os.titleBoost });
  const knn = (): Retriever => new OpenSearchKnnRetriever(store, requireEmbedder(store.embedder, mode), os.knn);
  let retriever: Retriever;
  switch (mode) {
    case 'bm25':
      retriever = bm25();
      break;
    case 'knn':
      retriever = knn();
      break;
    case 'hybrid':
      retriever = new FusedRetriever(
        [
          { retriever: bm25(), weight: os.hybrid.bm25Weight },
          { retriever: knn(), weight: os.hybrid.knnWeight },
        ],
        { fusion: os.hybrid.fusion, candidates: os.hybrid.candidates },
      );
      break;
  }
  return os.fallback === 'none' || fallback === null ? retriever : new FallbackRetriever(retriever, fallback);
}

function requireEmbedder(embedder: Embedder | null, mode: string): Embedder {
  if (!embedder) {
    throw new RagError('CONFIG', `invalid configuration:\n  opensearch.mode: "${mode}" needs an embedder, and none is configured`);
  }
  return embedder;
}
