import { stemmer } from 'stemmer';

/**
 * Lucene's English stop words (EnglishAnalyzer): the same list Anserini/Pyserini's BM25 baselines use, so
 * scores are comparable to the published ones.
 */
const STOP_WORDS = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(
    ' ',
  ),
);

const WORD = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}+/gu;

/** NFKC, lower case, diacritics folded (as SQLite's unicode61 does): "Café" and "cafe" are one word. */
export function normalizeText(text: string): string {
  return text.normalize('NFKD').replace(MARKS, '').normalize('NFC').toLowerCase();
}

/** Words of a text after normalisation, stop words included, unstemmed. */
export function words(text: string): string[] {
  return normalizeText(text).match(WORD) ?? [];
}

export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}

const stemCache = new Map<string, string>();

/** Porter stem with a bounded memo: the same words recur constantly in a corpus. */
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = /^[a-z]+$/.test(word) ? stemmer(word) : word;
    if (stemCache.size > 200_000) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

/** Index terms of a text: normalised words, stop words dropped, Porter-stemmed. */
export function analyze(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) if (!STOP_WORDS.has(w)) out.push(stem(w));
  return out;
}

/** A text's distinct index terms. */
export function termSet(text: string): Set<string> {
  return new Set(analyze(text));
}
