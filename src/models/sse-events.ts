/** One server-sent event: its type (absent for the default "message") and its data lines joined by "\n". */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * Parses a text/event-stream (WHATWG HTML, "server-sent events") from decoded text pieces cut anywhere: lines end
 * in CRLF, LF or CR; `data:` lines accumulate; a blank line dispatches; comments (":") and `id`/`retry` fields are
 * ignored. An event left undispatched at the end is still yielded, for servers that omit the final blank line.
 */
export async function* sseEvents(pieces: AsyncIterable<string>): AsyncGenerator<SseEvent> {
  let buffer = '';
  let data: string[] = [];
  let event: string | undefined;
  const line = (text: string): SseEvent | undefined => {
    if (text === '') {
      const out = data.length > 0 ? { data: data.join('\n'), ...(event !== undefined ? { event } : {}) } : undefined;
      data = [];
      event = undefined;
      return out;
    }
    if (text.startsWith(':')) return undefined;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    return undefined;
  };
  for await (const piece of pieces) {
    buffer += piece;
    let at: number;
    // A CR at the very end may be the first half of a CRLF: wait for the next piece.
    while ((at = buffer.search(/\r\n|\n|\r(?=[^\n])/)) >= 0) {
      const text = buffer.slice(0, at);
      buffer = buffer.slice(at + (buffer.startsWith('\r\n', at) ? 2 : 1));
      const out = line(text);
      if (out) yield out;
    }
  }
  if (buffer.length > 0) {
    const out = line(buffer.replace(/\r$/, ''));
    if (out) yield out;
  }
  const last = line('');
  if (last) yield last;
}
