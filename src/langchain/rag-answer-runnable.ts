import type { QueryResponse } from '../rag.js';
import { RagRunnable } from './rag-runnable.js';

export type { RagAnswerInput, RagTarget } from './answer-request.js';

/**
 * Answers through a configured pipeline or ensemble as a LangChain Runnable: `invoke("question")` or
 * `invoke({question, pipeline})` gives the whole response (answer, confidence, citations, passages, trace), so it
 * composes with other runnables (`.pipe(...)`) and batches with `.batch([...])`. For the answer's text as it is
 * written, use `RagAnswerTextRunnable`.
 */
export class RagAnswerRunnable extends RagRunnable<QueryResponse> {
  protected output(response: QueryResponse): QueryResponse {
    return response;
  }
}
