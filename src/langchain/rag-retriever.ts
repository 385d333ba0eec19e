import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import { ensureConfig, type RunnableConfig } from '@langchain/core/runnables';
import type { RagBackend } from '../client/rag-backend.js';
import type { MetadataFilter } from '../core/types.js';
import { callError } from './call-error.js';

export interface RagRetrieverInput extends BaseRetrieverInput {
  /** A `Rag` instance (in process) or an `HttpRagClient` (remote server). */
  backend: RagBackend;
  k?: number;
  filter?: MetadataFilter;
}

/** The platform's retrieval as a LangChain retriever: chunks become Documents with their ids, score and headings. */
export class RagRetriever extends BaseRetriever {
  lc_namespace = ['rag_platform', 'retrievers'];
  private readonly backend: RagBackend;
  private readonly k: number;
  private readonly filter: MetadataFilter | undefined;
  /**
   * The signal of the call under way: BaseRetriever hands `_getRelevantDocuments` no signal, so `invoke` keeps it
   * here, per call (concurrent calls each see their own).
   */
  private readonly callSignal = new AsyncLocalStorage<AbortSignal | undefined>();

  constructor(fields: RagRetrieverInput) {
    super(fields);
    this.backend = fields.backend;
    this.k = fields.k ?? 4;
    this.filter = fields.filter;
  }

  /** Aborting the call's `signal` stops the retrieval behind it (the server's, through `HttpRagClient`). */
  override async invoke(input: string, options?: RunnableConfig): Promise<Document[]> {
    // ensureConfig turns a `timeout` into the signal, so a timeout stops the work behind the call as an abort does.
    const config = ensureConfig(options);
    return this.callSignal
      .run(config.signal, () => super.invoke(input, config))
      .catch((err: unknown) => {
        throw callError(err);
      });
  }

  override async _getRelevantDocuments(query: string, _runManager?: CallbackManagerForRetrieverRun): Promise<Document[]> {
    const request = this.filter ? { query, k: this.k, filter: this.filter } : { query, k: this.k };
    const signal = this.callSignal.getStore();
    const { hits } = await this.backend.retrieve(request, signal ? { signal } : {});
    return hits.map(
      (hit) =>
        new Document({
          pageContent: hit.text,
          id: hit.id,
          metadata: { chunkId: hit.id, docId: hit.docId, title: hit.title, headingPath: hit.headingPath, score: hit.score, source: hit.source },
        }),
    );
  }
}
