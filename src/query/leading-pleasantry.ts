import { words } from '../core/analyzer.js';
import { isQueryWord } from './query-words.js';

/**
 * What a chat user says before the question ("thanks, how do I ...?", "ok. so, what ...?"): words of thanks,
 * agreement or greeting, each closed by punctuation. They are not what is asked, yet lexical matching counted them as
 * words the answer lacked, and the reader abstained where the bare question was answered.
 */
const PLEASANTRY =
  /^(?:(?:thanks(?: a lot)?|thank you(?: (?:so|very) much)?|thx|ty|ok(?:ay)?|great|cool|nice|perfect|awesome|got it|i see|alright|all right|hi(?: there)?|hello|hey|well|so|now|and|also)\s*[,.!:;]+\s*)+/i;

/** Words a question or request opens with, beyond the query words: "thanks, is there ...", "hey, I'm ...". */
const OPENERS = new Set('is are was were am will i we my our'.split(' '));

/**
 * The question without the pleasantries opening it, when a question or request follows them; the text as it was
 * otherwise: "Nice, France population?" and "Hello, World program in Go?" name what they ask about.
 */
export function withoutLeadingPleasantry(text: string): string {
  const rest = text.replace(PLEASANTRY, '');
  if (rest === text) return text;
  const first = words(rest)[0];
  return first !== undefined && (isQueryWord(first) || OPENERS.has(first)) ? rest : text;
}
