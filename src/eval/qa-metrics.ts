/**
 * Answer metrics with SQuAD's normalisation, as its official script has it: lower case, ASCII punctuation deleted
 * (not turned into spaces: "Armenian-American" is one word), the articles a, an and the dropped, single spaces.
 * Accents and non-ASCII punctuation stay. (The platform's own answer matching, for clustering answers, is looser:
 * `normalizeAnswer` in core/answer-text.ts.)
 */
import { tokensF1 } from '../core/answer-text.js';

const ASCII_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
/** Python's \b is Unicode-aware where JavaScript's is not: an article is a whole word among letters of any script. */
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/**
 * SQuAD's normalize_answer, on the text's canonical composition (NFC): "Röntgen" typed as one code point for "ö"
 * and "Röntgen" written "o" + combining diaeresis (as some Wikipedia dumps are) are one answer. Accents stay.
 */
export function squadNormalize(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(ASCII_PUNCTUATION, '').replace(ARTICLES, ' ').split(/\s+/).filter(Boolean).join(' ');
}

const tokens = (text: string): string[] => {
  const n = squadNormalize(text);
  return n.length === 0 ? [] : n.split(' ');
};

export function exactMatch(prediction: string, gold: string): number {
  return squadNormalize(prediction) === squadNormalize(gold) ? 1 : 0;
}

/** Token-overlap F1 (SQuAD). */
export function f1Score(prediction: string, gold: string): number {
  return tokensF1(tokens(prediction), tokens(gold));
}

/** "acc" (sub-EM): the normalised gold answer occurs within the normalised prediction, as whole words. */
export function subExactMatch(prediction: string, gold: string): number {
  const g = squadNormalize(gold);
  return g.length > 0 && ` ${squadNormalize(prediction)} `.includes(` ${g} `) ? 1 : 0;
}

/** Share of the reference answer's distinct words that the prediction contains: for long-form answers. */
export function wordRecall(prediction: string, reference: string): number {
  const ref = new Set(tokens(reference));
  if (ref.size === 0) return 0;
  const pred = new Set(tokens(prediction));
  let found = 0;
  for (const t of ref) if (pred.has(t)) found++;
  return found / ref.size;
}

/** The best score over several gold answers, as SQuAD and the QA literature do. */
export function bestOver(golds: readonly string[], score: (gold: string) => number): number {
  return golds.reduce((best, g) => Math.max(best, score(g)), 0);
}
