import { isStopWord, words } from '../core/analyzer.js';

/**
 * The question and request words of conversational queries ("what", "please", "explain"): retrieval does not
 * need them, spelling correction leaves them alone, and decomposition does not count them as content.
 */
const QUERY_WORDS = new Set(
  'what which who whom whose when where why how whether please kindly could would should shall might must can does did do you your yours tell explain describe give list show know need want thanks thank hello hi hey'.split(
    ' ',
  ),
);

/** Pronouns that point back at something said earlier in the query. */
const PRONOUNS = new Set('it its they them their theirs he him his she her hers this these those'.split(' '));

export function isQueryWord(word: string): boolean {
  return QUERY_WORDS.has(word);
}

export function isPronoun(word: string): boolean {
  return PRONOUNS.has(word);
}

/** Words of a text that carry its content: not stop words, query words or pronouns. */
export function contentWords(text: string): string[] {
  return words(text).filter((w) => !isStopWord(w) && !QUERY_WORDS.has(w) && !PRONOUNS.has(w));
}
