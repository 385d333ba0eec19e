import { analyze } from '../core/analyzer.js';
import { normalizeAnswer } from '../core/answer-text.js';
import { answerSpans, type Span } from './answer-spans.js';

/** A word of a sentence: where it starts and ends, and its index term (undefined for a stop word). */
export interface SentenceWord {
  at: number;
  end: number;
  term: string | undefined;
}

/** A span with what the reader compares it by, computed once. */
export interface AnalysedSpan extends Span {
  terms: string[];
  /** The span's normalised text (SQuAD normalisation): the key answers are merged and clustered by. */
  key: string;
}

/** What the span reader needs of a sentence that does not depend on the question. */
export interface SentenceSpans {
  words: SentenceWord[];
  spans: AnalysedSpan[];
}

/**
 * The question-independent half of reading spans from a sentence: its words with their terms, and its candidate
 * spans with theirs. The same sentences come back for every query that retrieves their passage (and for every
 * round and member of an ensemble), so this is computed once per sentence text and memoised by the caller.
 */
export function sentenceSpans(sentence: string): SentenceSpans {
  const words: SentenceWord[] = [];
  for (const m of sentence.matchAll(/[\p{L}\p{N}]+/gu)) words.push({ at: m.index, end: m.index + m[0].length, term: analyze(m[0])[0] });
  const spans = answerSpans(sentence).map((span) => ({ ...span, terms: analyze(span.text), key: normalizeAnswer(span.text) }));
  return { words, spans };
}

/**
 * Words between a word starting at `at` and a span (0 when inside it): the words overlapping the text between
 * them, less one (before the span that text starts with the word itself).
 */
export function wordGap(words: readonly SentenceWord[], at: number, start: number, end: number): number {
  if (at >= start && at < end) return 0;
  const [from, to] = at < start ? [at, start] : [end, at];
  let n = 0;
  for (const w of words) if (w.end > from && w.at < to) n++;
  return Math.max(0, (n === 0 ? 1 : n) - 1);
}
