import type { MetadataFilter } from '../core/types.js';
import type { QueryRequest, QueryResponse, RetrieveResponse } from '../rag.js';

export interface RetrieveRequest {
  query: string;
  k: number;
  filter?: MetadataFilter;
}

/**
 * What an integration needs of the platform, in process (a `Rag` fits as it is) or over HTTP (`HttpRagClient`),
 * so adapters such as the LangChain ones work the same against both.
 */
export interface RagBackend {
  query(request: QueryRequest): Promise<QueryResponse>;
  retrieve(request: RetrieveRequest): Promise<RetrieveResponse>;
}
