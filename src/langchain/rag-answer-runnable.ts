import { Runnable, type RunnableConfig } from '@langchain/core/runnables';
import type { IterableReadableStream } from '@langchain/core/utils/stream';
import type { RagBackend, RagCallOptions } from '../client/rag-backend.js';
import { RagError } from '../core/errors.js';
import type { QueryRequest, QueryResponse } from '../rag.js';
import { callError, streamWithRagErrors } from './call-error.js';

/** What answers: a pipeline, or an ensemble, by name. */
export type RagTarget = { pipeline: string; ensemble?: never } | { ensemble: string; pipeline?: never };

export interface RagAnswerInput {
  question: string;
  pipeline?: string;
  ensemble?: string;
}

/**
 * The query a runnable's input asks, through the input's pipeline or ensemble or else the runnable's own. An input
 * that is neither a question nor `{ question }` is refused here: the server's "query: is required" did not say that
 * the runnable wants `question`.
 */
export function answerRequest(input: string | RagAnswerInput, target: string | RagTarget | undefined): QueryRequest {
  const question: unknown = typeof input === 'string' ? input : (input as Partial<RagAnswerInput> | null)?.question;
  if (typeof question !== 'string') {
    throw new RagError('BAD_REQUEST', 'a RAG runnable takes a question, or { question, pipeline?, ensemble? }; got no "question"');
  }
  const own = typeof input === 'string' || (input.pipeline === undefined && input.ensemble === undefined) ? undefined : input;
  const chosen = own ?? (typeof target === 'string' ? { pipeline: target } : target);
  return {
    query: question,
    ...(chosen?.pipeline !== undefined ? { pipeline: chosen.pipeline } : {}),
    ...(chosen?.ensemble !== undefined ? { ensemble: chosen.ensemble } : {}),
  };
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

  /** `target`: the pipeline's name, or `{ pipeline }` or `{ ensemble }`; an input's own choice wins. */
  constructor(
    private readonly backend: RagBackend,
    private readonly target?: string | RagTarget,
  ) {
    super();
  }

  async invoke(input: string | RagAnswerInput, options?: Partial<RunnableConfig>): Promise<QueryResponse> {
    // The config LangChain hands the function, not the caller's options: it holds the signal a `timeout` becomes.
    return this._callWithConfig(
      async (value: string | RagAnswerInput, config?: Partial<RunnableConfig>) => this.backend.query(answerRequest(value, this.target), callOptions(config)),
      input,
      options,
    ).catch((err: unknown) => {
      throw callError(err);
    });
  }

  /** Stopped by an abort or a timeout, it ends with the RagError `invoke` gives (ABORTED, DEADLINE_EXCEEDED). */
  override stream(input: string | RagAnswerInput, options?: Partial<RunnableConfig>): Promise<IterableReadableStream<QueryResponse>> {
    return streamWithRagErrors(super.stream(input, options));
  }
}
