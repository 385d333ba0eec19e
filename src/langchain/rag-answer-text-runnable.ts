import type { RunnableConfig } from '@langchain/core/runnables';
import type { QueryResponse } from '../rag.js';
import { answerRequest, callOptions, type RagAnswerInput } from './answer-request.js';
import { RagRunnable } from './rag-runnable.js';

/**
 * The answer's text alone, as a LangChain Runnable that streams: `invoke` gives the whole text, and `stream` (or
 * `streamEvents`) gives it as the backend writes it, piece by piece, so a chat backend can pass it on at once.
 * The pieces joined are the text `invoke` gives (an abstention's too, in one piece), unless a model's streamed
 * answer is then withheld as too uncertain: text already written stays written. An ensemble writes its answer in
 * one piece, after its vote.
 */
export class RagAnswerTextRunnable extends RagRunnable<string> {
  protected output(response: QueryResponse): string {
    return response.answer;
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
