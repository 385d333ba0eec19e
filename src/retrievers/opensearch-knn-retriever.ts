import type { OpenSearchConfig } from '../core/config-schema.js';
import { RagError } from '../core/errors.js';
import type { RunContext } from '../core/run-context.js';
import type { RetrieveOptions, ScoredChunk } from '../core/types.js';
import type { Embedder } from '../models/embedder.js';
import { VECTOR_FIELD } from '../store/opensearch-index-template.js';
import type { OpenSearchStore } from '../store/opensearch-store.js';
import { filterClauses } from './opensearch-filter.js';
import { Retriever } from './retriever.js';

/** k-NN in OpenSearch: the query's embedding against the chunks' HNSW graph, filtered during the search. */
export class OpenSearchKnnRetriever extends Retriever {
  readonly name = 'opensearch-knn';

  constructor(
    private readonly store: OpenSearchStore,
    private readonly embedder: Embedder,
    private readonly knn: Pick<OpenSearchConfig['knn'], 'engine' | 'efSearch'>,
  ) {
    super();
  }

  request(vector: Float32Array, options: RetrieveOptions): Record<string, unknown> {
    const filters = filterClauses(options.filter);
    // The Lucene engine explores k candidates: asking for at least efSearch keeps recall up for small k.
    const knn: Record<string, unknown> = { vector: Array.from(vector), k: Math.max(options.k, this.knn.efSearch) };
    // Lucene and faiss filter inside the graph search; nmslib cannot, so its hits are filtered afterwards.
    if (filters.length > 0 && this.knn.engine !== 'nmslib') knn['filter'] = { bool: { filter: filters } };
    const query = { knn: { [VECTOR_FIELD]: knn } };
    return {
      size: options.k,
      query: filters.length > 0 && this.knn.engine === 'nmslib' ? { bool: { must: [query], filter: filters } } : query,
    };
  }

  protected async doRetrieve(query: string, options: RetrieveOptions, ctx: RunContext): Promise<ScoredChunk[]> {
    const [vector] = await this.embedder.embedQueries([query], ctx);
    if (!vector) throw new RagError('INTERNAL', `embedder ${this.embedder.name} returned no vector for the query`);
    return this.store.search(this.request(vector, options), ctx, this.name);
  }
}
