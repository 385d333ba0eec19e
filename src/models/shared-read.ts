import { instanceKey } from '../core/instance-key.js';
import type { RunContext } from '../core/run-context.js';
import type { Passage, ReaderResult } from '../core/types.js';
import type { Reader } from './reader.js';

/**
 * A reader's answer to the question from these passages, shared within the request: ensemble members, rounds and
 * readers that wrap another (the bridge reader's questions without a hop) that end up with the same passages read
 * them once.
 */
export function sharedRead(reader: Reader, query: string, passages: readonly Passage[], ctx: RunContext): Promise<ReaderResult> {
  const key = `read\u0000${instanceKey(reader)}\u0000${query}\u0000${passages.map((p) => `${p.chunkId}:${p.text.length}`).join(',')}`;
  return ctx.memo.get(key, () => reader.answer(query, passages, ctx));
}
