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
        const { question, pipeline } = typeof value === 'string' ? { question: value, pipeline: this.pipeline } : { pipeline: this.pipeline, ...value };
        return this.backend.query(pipeline ? { query: question, pipeline } : { query: question });
      },
      input,
      options,
    );
  }
}
