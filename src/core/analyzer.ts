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
  return foldText(text).toLowerCase();
}

/** Diacritics folded, case kept. */
function foldText(text: string): string {
  return text.normalize('NFKD').replace(MARKS, '').normalize('NFC');
}

/**
 * An identifier in lower camel case: two lower-case letters or more, then a capitalised part ("chunkSize",
 * "bodyLimitBytes"). Names in upper camel case ("McDonald", "DreamWorks", "PlayStation") are names, not words
 * joined: splitting them would match "works" and "station" anywhere, so they stay whole, as does "iPhone".
 */
const CAMEL = /(?<![\p{L}\p{N}])\p{Ll}{2}[\p{Ll}\p{N}]*\p{Lu}\p{Ll}/u;
const CAMEL_BOUNDARY = /(?<=[\p{Ll}\p{N}])(?=\p{Lu}\p{Ll})/u;

/** Whether a token is a lower camel-case identifier ("chunkSize"), as the analyser splits them. */
export function isCamelIdentifier(token: string): boolean {
  return CAMEL.test(token);
}

/** A camel-case identifier's parts as written: "maxQueryTerms" -> max, Query, Terms. */
export function camelCaseParts(token: string): string[] {
  return token.split(CAMEL_BOUNDARY);
}

/**
 * The parts of a camel-case identifier, as index terms ("chunkSize": chunk, size), so a question in words ("the
 * default chunk size") finds the setting it names, as Lucene's word-delimiter filter does for code and
 * configuration. The whole identifier stays a term too. Parts of one letter ("iPhone": i) are dropped.
 */
function camelParts(token: string, out: string[]): void {
  for (const part of camelCaseParts(token)) {
    for (const w of part.toLowerCase().match(WORD) ?? []) if (w.length > 1 && !STOP_WORDS.has(w)) out.push(stem(w));
  }
}

/** The camel-case parts of every identifier of a text, stemmed: for bag-of-words uses (BM25), where order is moot. */
export function identifierTerms(text: string): string[] {
  const out: string[] = [];
  if (!CAMEL.test(text)) return out;
  for (const token of foldText(text).match(WORD) ?? []) if (CAMEL.test(token)) camelParts(token, out);
  return out;
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

/**
 * Index terms of a text: normalised words, stop words dropped, Porter-stemmed; a camel-case identifier is followed
 * by its parts (`identifierTerms`), in place, so positions stay near their words.
 */
export function analyze(text: string): string[] {
  const out: string[] = [];
  if (!CAMEL.test(text)) {
    for (const w of words(text)) if (!STOP_WORDS.has(w)) out.push(stem(w));
    return out;
  }
  for (const token of foldText(text).match(WORD) ?? []) {
    // Lower-casing a token one at a time splits it exactly as lower-casing the whole text would ("İ" gains a mark).
    for (const w of token.toLowerCase().match(WORD) ?? []) if (!STOP_WORDS.has(w)) out.push(stem(w));
    if (CAMEL.test(token)) camelParts(token, out);
  }
  return out;
}

/** A text's distinct index terms. */
export function termSet(text: string): Set<string> {
  return new Set(analyze(text));
}
