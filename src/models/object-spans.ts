import { analyze } from '../core/analyzer.js';
import { normalizeAnswer } from '../core/answer-text.js';
import type { AnalysedSpan, SentenceWord } from './sentence-spans.js';

/**
 * Words that end a verb's object: prepositions, conjunctions, relatives ("deter biting flies, according to ..."), and
 * adverbs of time and frequency ("drink water every day").
 */
const OBJECT_END = new Set(
  (
    'according to in on at by for from with into about as than and or but that which who whom whose when where while because since if so through during after before under over between without ' +
    'every each daily always often usually sometimes never also only too again now then today yearly weekly'
  ).split(' '),
);
const ARTICLE = /^(?:a|an|the)$/i;
/** The longest object taken: a noun phrase, not the rest of the sentence. */
const MAX_WORDS = 5;

/**
 * What follows the question's verb in a sentence, as answer spans: for "what do zebra stripes deter?", the object of
 * "deter" in "Zebra stripes deter biting flies, according to ..." is "biting flies". Up to five words after each
 * occurrence of the verb (articles skipped), ending at punctuation or a preposition or conjunction. The span finder
 * proposes names, dates and numbers; an object in lower case ("biting flies") it would miss.
 */
export function objectSpans(sentence: string, words: readonly SentenceWord[], verb: string): AnalysedSpan[] {
  const spans: AnalysedSpan[] = [];
  words.forEach((w, i) => {
    if (w.term !== verb) return;
    let first = i + 1;
    if (ARTICLE.test(text(sentence, words[first])) && !breaks(sentence, words[i], words[first])) first++;
    let last = first - 1;
    for (let k = first; k < words.length && k < first + MAX_WORDS; k++) {
      const word = words[k] as SentenceWord;
      if (breaks(sentence, words[k - 1] ?? w, word) || OBJECT_END.has(text(sentence, word).toLowerCase())) break;
      last = k;
    }
    const [from, to] = [words[first], words[last]];
    if (last < first || from === undefined || to === undefined) return;
    const phrase = sentence.slice(from.at, to.end);
    spans.push({ text: phrase, kind: 'phrase', start: from.at, end: to.end, terms: analyze(phrase), key: normalizeAnswer(phrase) });
  });
  return spans;
}

function text(sentence: string, word: SentenceWord | undefined): string {
  return word === undefined ? '' : sentence.slice(word.at, word.end);
}

/** Punctuation between two words (not a hyphen or an apostrophe inside a compound) ends the phrase. */
function breaks(sentence: string, before: SentenceWord | undefined, after: SentenceWord | undefined): boolean {
  if (before === undefined || after === undefined) return true;
  return /[^\s'’-]/u.test(sentence.slice(before.end, after.at));
}
