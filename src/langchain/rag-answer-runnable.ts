import { Runnable, type RunnableConfig } from '@langchain/core/runnables';
import type { RagBackend, RagCallOptions } from '../client/rag-backend.js';
import type { QueryRequest, QueryResponse } from '../rag.js';
import { callError } from './call-error.js';

export interface RagAnswerInput {
  question: string;
  pipeline?: string;
}

/** The query a runnable's input asks, through the input's pipeline or else the runnable's own. */
export function answerRequest(input: string | RagAnswerInput, pipeline: string | undefined): QueryRequest {
  const question = typeof input === 'string' ? input : input.question;
  const chosen = (typeof input === 'string' ? undefined : input.pipeline) ?? pipeline;
  return chosen ? { query: question, pipeline: chosen } : { query: question };
}

/** The caller's signal reaches the backend, so aborting stops the work, not only the wait for it. */
export function callOptions(options: Partial<RunnableConfig> | undefined): RagCallOptions {
  return options?.signal ? { signal: options.signal } : {};
}

/**
 * Answers through a configured pipeline as a LangChain Runnable: `invoke("question")` or
 * `invoke({question, pipeline})` gives the whole response (answer, confidence, citations, passages, trace), so it
 * composes with other runnables (`.pipe(...)`) and batches with `.batch([...])`. For the answer's text as it is
 * written, use `RagAnswerTextRunnable`.
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
    // The config LangChain hands the function, not the caller's options: it holds the signal a `timeout` becomes.
    return this._callWithConfig(
      async (value: string | RagAnswerInput, config?: Partial<RunnableConfig>) => this.backend.query(answerRequest(value, this.pipeline), callOptions(config)),
      input,
      options,
    ).catch((err: unknown) => {
      throw callError(err);
    });
  }
}
