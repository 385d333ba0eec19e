/**
 * What a chat user says before the question ("thanks, how do I ...?", "ok. so, what ...?"): words of thanks,
 * agreement or greeting, each closed by punctuation. They are not what is asked, yet lexical matching counted them as
 * words the answer lacked, and the reader abstained where the bare question was answered.
 */
const PLEASANTRY =
  /^(?:(?:thanks(?: a lot)?|thank you(?: (?:so|very) much)?|thx|ty|ok(?:ay)?|great|cool|nice|perfect|awesome|got it|i see|alright|all right|hi(?: there)?|hello|hey|well|so|now|and|also)\s*[,.!:;]+\s*)+/i;

/** The question without the pleasantries opening it; the text as it was when nothing with a word would be left. */
export function withoutLeadingPleasantry(text: string): string {
  const rest = text.replace(PLEASANTRY, '');
  return rest !== text && /[\p{L}\p{N}]/u.test(rest) ? rest : text;
}
