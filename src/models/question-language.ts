import { deu, eng, fra, ita, nld, por, spa } from 'stopword';
import { analyze, normalizeText } from '../core/analyzer.js';

/**
 * Question words that the stop-word lists leave out ("quand", "pourquoi", "wanneer"): a question asks with them, and
 * its answer does not say them.
 */
const QUESTION_WORDS: Readonly<Record<string, string>> = {
  deu: 'wieviel wozu wieso weshalb',
  fra: 'quand comment pourquoi combien',
  spa: 'cuanto cuanta cuantos cuantas',
  ita: 'quando quali cosa',
  por: 'onde porque quanto quanta quantos quantas',
  nld: 'wanneer waar waarom welke welk',
};

/** A language's function words as the question's words are compared with them: lower case, diacritics folded. */
function language(list: readonly string[], extra = ''): ReadonlySet<string> {
  return new Set([...list, ...extra.split(' ').filter(Boolean)].map(normalizeText));
}

const ENGLISH = language(eng, 'when why does whose whom');

/** Whether a word (lower case, diacritics folded) is an English function word: "whose" says nothing of a subject. */
export function isEnglishFunctionWord(word: string): boolean {
  return ENGLISH.has(word);
}
/** The languages told apart: those whose function words the analyser, English's alone, would count as content. */
const OTHERS: ReadonlyArray<ReadonlySet<string>> = Object.entries({ deu, fra, spa, ita, por, nld }).map(([name, list]) => language(list, QUESTION_WORDS[name]));

/**
 * The function words of a question asked in German, French, Spanish, Italian, Portuguese or Dutch, as index terms:
 * the analyser drops only English stop words, so "Wer hat den Eiffelturm entworfen?" kept "wer", "hat" and "den" as
 * words its answer lacked, and the reader abstained with "Der Turm wurde von Gustave Eiffel entworfen" on top. The
 * language is the one of whose function words the question holds the most, at least two and more than of English's.
 * Only words of two letters or more in lower case (the first may be capitalised) are counted: "Who founded De La
 * Soul?", "IL-6 signaling plays a role in ..." and "Pol V transcription in T cells" stay English. A name written in
 * lower case can still count ("who sang la vie en rose"); all that follows is that the few words of it no passage
 * holds do not lower the answer's support. Empty for an English question, or one too short to tell.
 */
export function functionTermsOf(query: string): ReadonlySet<string> {
  const words = (query.match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((w, i) => w.length >= 2 && (i === 0 ? !/^.\p{Lu}/u.test(w) : !/^\p{Lu}/u.test(w)))
    .map(normalizeText);
  const count = (l: ReadonlySet<string>): number => words.filter((w) => l.has(w)).length;
  const counts = OTHERS.map(count);
  const most = Math.max(...counts);
  if (most < Math.max(2, count(ENGLISH) + 1)) return new Set();
  // Languages that tie (French and Spanish share "que", "de", "la"): their function words together.
  const found = OTHERS.filter((_, i) => counts[i] === most);
  return new Set(words.filter((w) => found.some((l) => l.has(w))).flatMap((w) => analyze(w)));
}
