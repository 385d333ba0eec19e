import type { RunnableConfig } from '@langchain/core/runnables';
import type { RagCallOptions } from '../client/rag-backend.js';
import { RagError } from '../core/errors.js';
import type { QueryRequest } from '../rag.js';

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
