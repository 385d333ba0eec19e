import { Runnable, type RunnableConfig } from '@langchain/core/runnables';
import type { IterableReadableStream } from '@langchain/core/utils/stream';
import type { RagBackend } from '../client/rag-backend.js';
import type { QueryResponse } from '../rag.js';
import { answerRequest, callOptions, type RagAnswerInput, type RagTarget } from './answer-request.js';
import { callError, streamWithRagErrors } from './call-error.js';

/**
 * What the answering runnables share: the backend and what answers (a pipeline or an ensemble), a call whose
 * abort or timeout fails with the RagError the backend's own deadline gives, and a stream that does the same.
 */
export abstract class RagRunnable<O> extends Runnable<string | RagAnswerInput, O> {
  lc_namespace = ['rag_platform', 'runnables'];

  /** `target`: the pipeline's name, or `{ pipeline }` or `{ ensemble }`; an input's own choice wins. */
  constructor(
    protected readonly backend: RagBackend,
    protected readonly target?: string | RagTarget,
  ) {
    super();
  }

  async invoke(input: string | RagAnswerInput, options?: Partial<RunnableConfig>): Promise<O> {
    // The config LangChain hands the function, not the caller's options: it holds the signal a `timeout` becomes.
    return this._callWithConfig(
      async (value: string | RagAnswerInput, config?: Partial<RunnableConfig>) => this.output(await this.backend.query(answerRequest(value, this.target), callOptions(config))),
      input,
      options,
    ).catch((err: unknown) => {
      throw callError(err);
    });
  }

  /** Stopped by an abort or a timeout, it ends with the RagError `invoke` gives (ABORTED, DEADLINE_EXCEEDED). */
  override stream(input: string | RagAnswerInput, options?: Partial<RunnableConfig>): Promise<IterableReadableStream<O>> {
    return streamWithRagErrors(super.stream(input, options));
  }

  /** What `invoke` gives of the backend's response. */
  protected abstract output(response: QueryResponse): O;
}
