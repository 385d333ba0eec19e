import type { QueryEvent, QueryRequest, QueryResponse, RetrieveRequest, RetrieveResponse } from '../rag.js';

export type { RetrieveRequest } from '../rag.js';

/**
 * What an integration needs of the platform, in process (a `Rag` fits as it is) or over HTTP (`HttpRagClient`),
 * so adapters such as the LangChain ones work the same against both.
 */
export interface RagBackend {
  query(request: QueryRequest, options?: RagCallOptions): Promise<QueryResponse>;
  retrieve(request: RetrieveRequest, options?: RagCallOptions): Promise<RetrieveResponse>;
  /** The query as events, as they come: plan, sources, token (new answer text), candidate, answer, done. */
  stream(request: QueryRequest, options?: RagCallOptions): AsyncIterable<QueryEvent>;
}

/** Per call: aborting `signal` stops the call and the work behind it (in process, or the server's over HTTP). */
export interface RagCallOptions {
  signal?: AbortSignal;
}
