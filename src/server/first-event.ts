/**
 * Starts an event stream and waits for its first event before the caller opens a response stream: what fails before
 * anything is produced (a query with no words, an unknown pipeline) throws here, so it is answered as a JSON error
 * with its status rather than as an error event inside a stream that already said 200.
 */
export async function afterFirstEvent<T>(events: AsyncIterable<T>): Promise<AsyncGenerator<T, void, undefined>> {
  const iterator = events[Symbol.asyncIterator]();
  const first = await iterator.next();
  return resume(first, iterator);
}

async function* resume<T>(first: IteratorResult<T>, iterator: AsyncIterator<T>): AsyncGenerator<T, void, undefined> {
  try {
    for (let next = first; !next.done; next = await iterator.next()) yield next.value;
  } finally {
    // A consumer that stops early (the client went away) stops the work behind the events too.
    await iterator.return?.();
  }
}
