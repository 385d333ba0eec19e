import type { Chunk } from '../core/types.js';

/** What a model-based reranker reads of a chunk: its document title and heading path above its text. */
export function passageText(chunk: Chunk): string {
  const head = [chunk.title, ...(chunk.headingPath ?? [])].filter((s): s is string => s !== undefined && s.length > 0);
  return head.length > 0 ? `${head.join('\n')}\n${chunk.text}` : chunk.text;
}
