import { Runnable, type RunnableConfig } from '@langchain/core/runnables';
import type { RagBackend } from '../client/rag-backend.js';
import type { QueryResponse } from '../rag.js';

export interface RagAnswerInput {
  question: string;
  pipeline?: string;
}

/**
 * Answers through a configured pipeline as a LangChain Runnable: `invoke("question")` or
 * `invoke({question, pipeline})` gives the whole response (answer, confidence, citations, passages, trace), so it
 * composes with other runnables (`.pipe(...)`) and batches with `.batch([...])`.
 */
export class RagAnswerRunnable extends Runnable<string | RagAnswerInput, QueryResponse> {
  lc_namespace = ['rag_platform', 'runnables'];

  constructor(
    private readonly backend: RagBackend,
    private readonly pipeline?: string,
  ) {
    super();
  }

  async invoke(input: string | RagAnswerInput, options?: Partial<RunnableConfig>): Promise<QueryResponse> {
    return this._callWithConfig(
      async (value: string | RagAnswerInput) => {
        const question = typeof value === 'string' ? value : value.question;
        const pipeline = (typeof value === 'string' ? undefined : value.pipeline) ?? this.pipeline;
        // The caller's signal reaches the backend, so aborting stops the work, not only the wait for it.
        return this.backend.query(pipeline ? { query: question, pipeline } : { query: question }, options?.signal ? { signal: options.signal } : {});
      },
      input,
      options,
    );
  }
}
