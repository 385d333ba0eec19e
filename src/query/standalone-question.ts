import { analyze, isStopWord, stem, words as wordsIn } from '../core/analyzer.js';

export interface ConversationTurn {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

/** Words that point back into the conversation: a question holding them is not self-contained. */
const REFERRING = /\b(it|its|they|them|their|this|that|these|those|he|she|him|her|his|hers|there|then|one|ones|same|above|previous|former|latter)\b/i;

/** Words that frame a question rather than name its topic (the analyser's stop words aside). */
const FRAME_WORDS = new Set(
  'how what which who whom whose when where why do does did can could should would will is are was were be been has have had get tell about please also else more and or but so ok okay thanks i me my we us our you your from via over under'.split(
    ' ',
  ),
);

/** Topic words carried into a follow-up: enough to name a topic, few enough not to drown the follow-up. */
const MAX_TOPIC_WORDS = 6;

/**
 * The last user message as a question that stands on its own. A follow-up that refers back ("and how old is
 * it?") or names too little to search with (one content word) gets the topic of the conversation so far: the
 * names of the previous question, or without names its content words (the previous question itself made
 * standalone, so a topic carries through several follow-ups) that the follow-up lacks, in parentheses after it. The follow-up stays first and whole, so its own
 * question form ("how old") is what the reader answers; the topic words steer retrieval and the reader's matching.
 * Rule-based: no model needed; the last message alone when it already stands on its own.
 */
export function standaloneQuestion(turns: readonly ConversationTurn[]): string {
  let standalone = '';
  for (const turn of turns) {
    const question = turn.role === 'user' ? turn.content.trim() : '';
    if (question.length > 0) standalone = standalone === '' ? question : withTopic(question, standalone);
  }
  return standalone;
}

function withTopic(question: string, previous: string): string {
  // Its content words, as written (stems of frame words are words too: "does", "doe"): "what formats?" names one, as
  // "formats?" does ("what" was counted, and it got no topic).
  if (wordsIn(question).filter((w) => !isStopWord(w) && !FRAME_WORDS.has(w)).length >= 2 && !REFERRING.test(question)) return question;
  const own = new Set(analyze(question));
  const seen = new Set<string>();
  const topicWords = (text: string): string[] => {
    const out: string[] = [];
    for (const word of text.match(/[\p{L}\p{N}][\p{L}\p{N}'’._-]*[\p{L}\p{N}]|[\p{L}\p{N}]/gu) ?? []) {
      const lower = word.toLowerCase();
      const term = stem(lower);
      if (isStopWord(lower) || FRAME_WORDS.has(lower) || REFERRING.test(word) || own.has(term) || seen.has(term)) continue;
      seen.add(term);
      out.push(word);
    }
    return out;
  };
  // The previous question, and the topic it carried itself (in parentheses) from further back.
  const [, asked = previous, carriedBefore = ''] = /^(.*?)(?:\s\(([^()]*)\))?$/su.exec(previous) ?? [];
  const words = topicWords(asked);
  // Names, when the previous question has any, are its topic; its other words ask about the topic, and would
  // lead the reader back to the previous answer ("Who designed the Eiffel Tower?" -> "How tall is it?" wants
  // "Eiffel Tower", not "designed").
  // Acronyms ("API keys") are terms of a phrase rather than names.
  const names = words.filter((w) => /^\p{Lu}/u.test(w) && w !== w.toUpperCase() && !asked.trimStart().startsWith(w));
  const carried = [...(names.length > 0 ? names : words), ...topicWords(carriedBefore)];
  if (carried.length === 0) return question;
  return `${question} (${carried.slice(0, MAX_TOPIC_WORDS).join(' ')})`;
}
