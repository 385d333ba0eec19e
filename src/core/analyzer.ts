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

/** Words of a text after normalisation, stop words included, unstemmed; Chinese, Japanese and Korean as bigrams. */
export function words(text: string): string[] {
  return wordsOf(normalizeText(text));
}

/**
 * Chinese, Japanese (kanji and kana, the katakana prolonged sound mark with them) and Korean letters: their text does
 * not separate words with spaces (Korean's units are longer than words).
 */
const CJK_LETTERS = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u30fc`;
const CJK = new RegExp(`[${CJK_LETTERS}]`, 'u');
/** Whether a text holds Chinese, Japanese or Korean letters (which `words` and `spacedCjk` split as bigrams). */
export function hasCjk(text: string): boolean {
  return CJK.test(text);
}
/** A run of CJK letters of any of the scripts, in a text. */
const CJK_TEXT_RUN = new RegExp(`[${CJK_LETTERS}]+`, 'gu');
/** A run of letters of one script (bigrams stay within it), or of anything else. */
const CJK_RUN = new RegExp(String.raw`\p{Script=Han}+|\p{Script=Hiragana}+|[\p{Script=Katakana}\u30fc]+|\p{Script=Hangul}+|[^${CJK_LETTERS}]+`, 'gu');

/**
 * The words of an already normalised text. A run of CJK letters is one "word" to the pattern (保証期間は購入日から三年間
 * です up to the next punctuation), which no question would match; it becomes overlapping bigrams instead, as Lucene's
 * CJK analyser makes them (保証, 証期, 期間, ...), a lone letter its unigram. Bigrams stay within one script: in
 * Japanese a change of script mostly marks a word's edge (the kanji of 保証期間, then the particle は), so a question's
 * grammar (は何, ですか) makes no terms that only questions hold. Other scripts' words are left as they are.
 */
function wordsOf(normalized: string): string[] {
  const found = normalized.match(WORD) ?? [];
  if (!CJK.test(normalized)) return found;
  const out: string[] = [];
  for (const w of found) {
    if (!CJK.test(w)) out.push(w);
    else for (const part of w.match(CJK_RUN) ?? []) pushBigrams(part, out);
  }
  return out;
}

/**
 * A text as an index that splits words at spaces and punctuation (SQLite's unicode61) should see it: each CJK run
 * replaced by its bigrams, as `words` makes them, separated by spaces, so the bigrams of a question match. Other text
 * is left as it is.
 */
export function spacedCjk(text: string): string {
  if (!CJK.test(text)) return text;
  // Folded first, as `words` folds: half-width katakana's sound marks (ﾃﾞｰﾀ) would otherwise split a run.
  return foldText(text).replace(CJK_TEXT_RUN, (run) => ` ${wordsOf(run.toLowerCase()).join(' ')} `);
}

function pushBigrams(part: string, out: string[]): void {
  if (!CJK.test(part)) {
    out.push(part);
    return;
  }
  const letters = [...part];
  if (letters.length === 1) out.push(part);
  for (let i = 0; i + 1 < letters.length; i++) out.push(`${letters[i] as string}${letters[i + 1] as string}`);
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
    for (const w of wordsOf(token.toLowerCase())) if (!STOP_WORDS.has(w)) out.push(stem(w));
    if (CAMEL.test(token)) camelParts(token, out);
  }
  return out;
}

/** A text's distinct index terms. */
export function termSet(text: string): Set<string> {
  return new Set(analyze(text));
}
