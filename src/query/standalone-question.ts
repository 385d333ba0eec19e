import { analyze } from '../core/analyzer.js';

export interface ConversationTurn {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

/** Words that point back into the conversation: a question holding them is not self-contained. */
const REFERRING = /\b(it|its|they|them|their|this|that|these|those|he|she|him|her|his|hers|there|then|one|ones|same|above|previous|former|latter)\b/i;

/**
 * The last user message as a question that stands on its own. A follow-up that refers back ("and how old is
 * it?") or is too short to search with gets the previous user question prepended, so retrieval sees the topic.
 * Rule-based: no model needed; the last message alone when it already stands on its own.
 */
export function standaloneQuestion(turns: readonly ConversationTurn[]): string {
  const users = turns.filter((t) => t.role === 'user' && t.content.trim().length > 0);
  const last = users[users.length - 1]?.content.trim() ?? '';
  const previous = users[users.length - 2]?.content.trim();
  if (!previous) return last;
  const selfContained = analyze(last).length >= 3 && !REFERRING.test(last);
  return selfContained ? last : `${previous} ${last}`;
}
