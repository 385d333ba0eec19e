import { IterableReadableStream } from '@langchain/core/utils/stream';
import { RagError } from '../core/errors.js';

/**
 * LangChain answers an aborted or timed-out call by rejecting with the signal's reason (a DOMException) before the
 * backend's own RagError arrives: it becomes that RagError (ABORTED, or DEADLINE_EXCEEDED for a timeout), so a
 * caller handles one error type whichever way it calls.
 */
export function callError(err: unknown): unknown {
  if (err instanceof RagError || !(err instanceof Error)) return err;
  if (err.name === 'TimeoutError') return new RagError('DEADLINE_EXCEEDED', 'the call timed out (its timeout option)', undefined, { cause: err });
  if (err.name === 'AbortError') return new RagError('ABORTED', 'the call was aborted (its signal)', undefined, { cause: err });
  return err;
}

/**
 * A runnable's stream whose abort or timeout ends with the RagError `invoke` gives: LangChain's stream races the
 * pieces with the signal and rejects with its DOMException, before the first piece or between pieces.
 */
export async function streamWithRagErrors<T>(started: Promise<IterableReadableStream<T>>): Promise<IterableReadableStream<T>> {
  let inner: IterableReadableStream<T>;
  try {
    inner = await started;
  } catch (err) {
    throw callError(err);
  }
  async function* pieces(): AsyncGenerator<T> {
    try {
      yield* inner;
    } catch (err) {
      throw callError(err);
    }
  }
  return IterableReadableStream.fromAsyncGenerator(pieces());
}
