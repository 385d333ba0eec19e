import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One server-sent event: its type (absent for the default "message") and its data lines joined by "\n". */
export interface SseEvent {
  event?: string;
  data: string;
}

/** A stream that is not one the parser can follow (the caller names the server it came from). */
export class SseStreamError extends Error {
  override readonly name = 'SseStreamError';
}

/** Most a stream may hold back in one unfinished line or event: a server that never ends one cannot fill the heap. */
export const MAX_SSE_BUFFER_CHARS = 32 * 1024 * 1024;

/**
 * A response body's text, decoded as UTF-8 piece by piece as its bytes arrive (a character split between two reads
 * is joined); `onRead` is called on every read, so a caller can restart its idle timer. Past `maxBytes` in all, an
 * SseStreamError.
 */
export async function* textPieces(reader: ReadableStreamDefaultReader<Uint8Array>, onRead?: () => void, maxBytes = Number.POSITIVE_INFINITY): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      const tail = decoder.decode();
      if (tail.length > 0) yield tail;
      return;
    }
    // A stream that never ends would otherwise be held whole by whoever assembles it.
    total += value.byteLength;
    if (total > maxBytes) throw new SseStreamError(`the stream passed ${maxBytes} bytes; the rest was refused`);
    onRead?.();
    yield decoder.decode(value, { stream: true });
  }
}

/**
 * Server-sent events (WHATWG HTML) from decoded text pieces cut anywhere, parsed by eventsource-parser. An event
 * left undispatched at the end is still yielded, for servers that omit the final blank line.
 */
export async function* sseEvents(pieces: AsyncIterable<string>, maxBufferChars = MAX_SSE_BUFFER_CHARS): AsyncGenerator<SseEvent> {
  const ready: SseEvent[] = [];
  let failure: Error | undefined;
  const parser = createParser({
    maxBufferSize: maxBufferChars,
    onEvent: (e: EventSourceMessage) => ready.push(e.event !== undefined ? { event: e.event, data: e.data } : { data: e.data }),
    onError: (err) => {
      // Unknown fields and bad `retry` values are ignored, as browsers do; only an over-long event stops the stream.
      if (err.type === 'max-buffer-size-exceeded') {
        failure = new SseStreamError(`it held more than ${maxBufferChars} characters in one unfinished event`);
      }
    },
  });
  for await (const piece of pieces) {
    parser.feed(piece);
    if (failure) throw failure;
    yield* ready.splice(0);
  }
  // Ends the last line, then the last event, as if the server had sent the blank line it left out.
  parser.feed('\n\n');
  if (failure) throw failure;
  yield* ready.splice(0);
}
