import { Runnable, type RunnableConfig } from '@langchain/core/runnables';
import type { IterableReadableStream } from '@langchain/core/utils/stream';
import type { RagBackend } from '../client/rag-backend.js';
import { answerRequest, callOptions, type RagAnswerInput, type RagTarget } from './rag-answer-runnable.js';
import { callError, streamWithRagErrors } from './call-error.js';

/**
 * The answer's text alone, as a LangChain Runnable that streams: `invoke` gives the whole text, and `stream` (or
 * `streamEvents`) gives it as the backend writes it, piece by piece, so a chat backend can pass it on at once.
 * The pieces joined are the text `invoke` gives (an abstention's too, in one piece), unless a model's streamed
 * answer is then withheld as too uncertain: text already written stays written. An ensemble writes its answer in
 * one piece, after its vote.
 */
export class RagAnswerTextRunnable extends Runnable<string | RagAnswerInput, string> {
  lc_namespace = ['rag_platform', 'runnables'];

  /** `target`: the pipeline's name, or `{ pipeline }` or `{ ensemble }`; an input's own choice wins. */
  constructor(
    private readonly backend: RagBackend,
    private readonly target?: string | RagTarget,
  ) {
    super();
  }

  async invoke(input: string | RagAnswerInput, options?: Partial<RunnableConfig>): Promise<string> {
    return this._callWithConfig(
      async (value: string | RagAnswerInput, config?: Partial<RunnableConfig>) => (await this.backend.query(answerRequest(value, this.target), callOptions(config))).answer,
      input,
      options,
    ).catch((err: unknown) => {
      throw callError(err);
    });
  }

  /** Stopped by an abort or a timeout, it ends with the RagError `invoke` gives (ABORTED, DEADLINE_EXCEEDED). */
  override stream(input: string | RagAnswerInput, options?: Partial<RunnableConfig>): Promise<IterableReadableStream<string>> {
    return streamWithRagErrors(super.stream(input, options));
  }

  override async *_streamIterator(input: string | RagAnswerInput, options?: Partial<RunnableConfig>): AsyncGenerator<string> {
    async function* only(): AsyncGenerator<string | RagAnswerInput> {
      yield input;
    }
    // Through LangChain's stream helper, so callbacks, tracing and streamEvents see the run and its pieces.
    yield* this._transformStreamWithConfig(only(), (inputs) => this.pieces(inputs, options), options);
  }

  private async *pieces(inputs: AsyncGenerator<string | RagAnswerInput>, options: Partial<RunnableConfig> | undefined): AsyncGenerator<string> {
    for await (const input of inputs) {
      let written = false;
      for await (const e of this.backend.stream(answerRequest(input, this.target), callOptions(options))) {
        if (e.event === 'token' && e.data.text.length > 0) {
          written = true;
          yield e.data.text;
        }
        // An abstention writes no tokens; its answer says there is none, as invoke's does.
        if (e.event === 'answer' && !written) yield e.data.answer;
      }
    }
  }
}
