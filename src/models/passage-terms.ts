import { termSet } from '../core/analyzer.js';
import type { TextMemo } from '../core/text-memo.js';
import type { Passage } from '../core/types.js';

/** A passage's distinct index terms, once per chunk: readers ask which of the question's terms it holds. */
export function passageTerms(memo: TextMemo, passage: Passage): ReadonlySet<string> {
  return memo.get('term-set', passage.chunkId, passage.text, termSet);
}
