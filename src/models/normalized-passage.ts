import { normalizeAnswer } from '../core/answer-text.js';
import type { TextMemo } from '../core/text-memo.js';
import type { Passage } from '../core/types.js';

/**
 * A passage's text normalised as answers are (SQuAD) and padded with a space each side, once per chunk: whether it
 * mentions a name is then `includes(` ${name} `)`, whole words only.
 */
export function normalizedPassage(memo: TextMemo, passage: Passage): string {
  return memo.get('normalized', passage.chunkId, passage.text, (t) => ` ${normalizeAnswer(t)} `);
}
