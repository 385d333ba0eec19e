import { camelCaseParts, isCamelIdentifier, isStopWord, normalizeText } from '../core/analyzer.js';
import type { Correction } from '../core/types.js';
import type { NearWord } from './surface-vocabulary.js';
import { isQueryWord } from './query-words.js';
import { typoCost } from './typo-model.js';

/** What the corrector needs of the index's vocabulary (SurfaceVocabulary provides it). */
export interface CorrectionVocabulary {
  /** Chunks in the index, for the frequency prior. */
  readonly size: number;
  knows(word: string): boolean;
  near(word: string, maxDistance: number): NearWord[];
}

export interface SpellingCorrectorOptions {
  /** Largest edit distance of a correction (0 turns correction off). */
  maxEditDistance: number;
  /** Real words, never changed even when the index lacks them (`EnglishWords`). */
  dictionary?: { has(word: string): boolean };
}

export interface CorrectionResult {
  text: string;
  corrections: Correction[];
}

/**
 * Nats one unit of typo cost weighs against the frequency prior: a keyboard slip (0.5) against an arbitrary
 * substitution (1) is worth a factor of e^2 ~ 7 in document frequency. Chosen on SciFact's train queries.
 */
const COST_WEIGHT = 4;

/**
 * Words shorter than this are corrected only by slips costing at most SHORT_WORD_MAX_COST. Measured on the LiveRAG
 * noisy questions (three settings tried): corrections the reference undoes 10 -> 2, good ones 71 -> 72, exact
 * matches 116 -> 118; SciFact with 20 % seeded typos 0.6749 -> 0.6759, clean unchanged.
 */
const SHORT_WORD = 8;
const SHORT_WORD_MAX_COST = 1;

const TOKEN = /[\p{L}\p{M}\p{N}]+/gu;
const LATIN_WORD = /^\p{Script=Latin}+$/u;

/**
 * Spelling correction against the index's own vocabulary: a noisy-channel choice of the vocabulary word w that
 * maximises log P(w) + log P(typed | w), with P(w) from w's document frequency and P(typed | w) from a typo model
 * (keyboard neighbours, transpositions, doubled letters), among words within the edit-distance bound. A word the
 * index knows is never changed, nor a word of the dictionary, nor numbers, words of three letters or fewer, stop
 * words, query words, or words in a script other than Latin; and in a text, nor a name: a capitalised word that
 * does not begin a sentence, or a word in capitals. Every change is reported.
 */
export class SpellingCorrector {
  constructor(
    private readonly vocabulary: CorrectionVocabulary,
    private readonly options: SpellingCorrectorOptions,
  ) {}

  correct(text: string): CorrectionResult {
    const corrections: Correction[] = [];
    if (this.options.maxEditDistance <= 0 || this.vocabulary.size === 0) return { text, corrections };
    let out = '';
    let last = 0;
    // A text written all in capitals says nothing by its case: "WHAT IS THE DEFUALT CHUNK SISE" was all acronyms.
    const shouted = !/\p{Ll}/u.test(text);
    for (const match of text.matchAll(TOKEN)) {
      const token = match[0];
      // A name ("Brighton", "Kuala Lumpur", "CNTRL") is not a misspelt word of the index: "Siena" is not "Sirna".
      if (!shouted && isName(token, text, match.index)) continue;
      const fixed = isCamelIdentifier(token) ? this.correctParts(token) : this.correctWord(token);
      if (fixed === null) continue;
      const at = match.index;
      out += text.slice(last, at) + fixed;
      last = at + token.length;
      corrections.push({ from: token, to: fixed });
    }
    return { text: corrections.length === 0 ? text : out + text.slice(last), corrections };
  }

  /**
   * A camel-case identifier corrected part by part, each in its own case ("maxQueryTrems" -> "maxQueryTerms"):
   * corrected whole, it came back in lower case and lost the parts the index matches on. Null when no part changes.
   */
  private correctParts(token: string): string | null {
    if (this.vocabulary.knows(normalizeText(token))) return null;
    let changed = false;
    const parts = camelCaseParts(token).map((part) => {
      const fixed = this.correctWord(part);
      if (fixed === null) return part;
      changed = true;
      return fixed;
    });
    return changed ? parts.join('') : null;
  }

  /** The correction of one token, or null to leave it as typed. */
  correctWord(token: string): string | null {
    if (token.length <= 3 || /\p{N}/u.test(token) || !LATIN_WORD.test(token)) return null;
    const word = normalizeText(token);
    if (word.length <= 3 || isStopWord(word) || isQueryWord(word) || this.vocabulary.knows(word) || this.options.dictionary?.has(word)) return null;
    // Short words have many neighbours: allow them one edit only.
    const maxDistance = Math.min(this.options.maxEditDistance, word.length <= 4 ? 1 : 2);
    let best: { word: string; score: number } | null = null;
    for (const candidate of this.vocabulary.near(word, maxDistance)) {
      // A stop word is no correction of a content word: "tenis" -> "this" would take the word out of the search.
      if (isStopWord(candidate.word)) continue;
      const cost = typoCost(word, candidate.word);
      // A short word two slips away from a vocabulary word is as likely a word the index lacks ("nginx" is not
      // "engine", "qdrant" not "grant"): under SHORT_WORD letters, at most one plain substitution's worth of slips.
      if (word.length < SHORT_WORD && cost > SHORT_WORD_MAX_COST) continue;
      const score = Math.log(candidate.df + 1) - COST_WEIGHT * cost;
      if (!best || score > best.score || (score === best.score && candidate.word < best.word)) best = { word: candidate.word, score };
    }
    return best ? matchCase(token, best.word) : null;
  }
}

/** Capitalised after the start of its sentence, or all in capitals: a name or an acronym, not a misspelt word. */
function isName(token: string, text: string, at: number): boolean {
  if (token.length > 1 && token === token.toUpperCase() && /\p{Lu}/u.test(token)) return true;
  if (!/^\p{Lu}/u.test(token)) return false;
  // The first word of the text, of a sentence or of a quotation is capitalised anyway; a parenthesis opens none.
  let i = at - 1;
  while (i >= 0 && /\s/u.test(text[i] as string)) i--;
  return i >= 0 && !'.!?:"“'.includes(text[i] as string);
}

/** The correction written in the typed word's case: "Wrold" -> "World", "NASAA" -> "NASA". */
function matchCase(typed: string, word: string): string {
  if (typed.length > 1 && typed === typed.toUpperCase()) return word.toUpperCase();
  const first = typed[0] ?? '';
  if (first !== first.toLowerCase()) return (word[0] ?? '').toUpperCase() + word.slice(1);
  return word;
}
