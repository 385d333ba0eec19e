import { analyze, normalizeText, termSet } from '../core/analyzer.js';
import { normalizeAnswer } from '../core/answer-text.js';
import type { TextMemo } from '../core/text-memo.js';
import type { Candidate, Passage, ReaderResult } from '../core/types.js';
import { answerSpans } from './answer-spans.js';
import { entropy, normalizedEntropy, softmax } from './entropy.js';
import { withNoneOfThese } from './none-of-these.js';
import { COPULA } from './lead-description.js';
import { normalizedPassage } from './normalized-passage.js';
import { passageTerms } from './passage-terms.js';
import { isEnglishFunctionWord } from './question-language.js';
import type { QuestionOptions } from './question-options.js';
import { monthPattern } from './question-type.js';
import { sentencesOf } from './sentences.js';

/** What the passages say about one option: the passages about it (by title) or, failing that, the sentences naming it. */
interface Evidence {
  option: string;
  /** 1-based passage numbers. */
  passages: number[];
  /** The text about the option, its opening sentence first. */
  text: string;
  /** The text's index terms. */
  terms: ReadonlySet<string>;
  /** The option as the passage about it names it in full ("Adeline Virginia Woolf" for "Virginia Woolf"). */
  fullName: string;
}

const YEAR = /\b(1[0-9]{3}|20[0-9]{2})\b/g;
/** Words that ask rather than describe: left out of what is asked of each option. */
const ASKING = new Set(analyze('which who whom whose what when where how both either also considered is are was were do does did has have had of the same one from by about than with located based involved type types kind kinds form forms'));

/**
 * Answers a question whose answer is one of the options it names, or yes/no about named subjects, by weighing
 * what the passages say about each option: a comparison by date or quantity reads that value for each option; any
 * other choice asks which option's text holds more of what the question asks; yes/no asks whether every subject's
 * text holds it (or, for "the same ...", whether their descriptions agree). The result is a distribution over
 * the options (or yes/no), with as much entropy as the evidence leaves: no evidence, an even split.
 */
export function readOptions(form: QuestionOptions, passages: readonly Passage[], memo: TextMemo): ReaderResult {
  const evidence = form.options.map((o) => evidenceFor(o, passages, memo));
  if (form.kind === 'shared') return shared(form, evidence);
  return form.kind === 'choice' ? choose(form, evidence) : yesNo(form, evidence);
}

/** Nationality, origin or language asked: then a capitalised word ("Armenian") may be the answer. */
const ASKS_ORIGIN = /\b(nationality|country|countries|ancestry|origin|language|citizenship|ethnicity|descent|city|state|located)\b/i;

/** A kind of thing asked: the answer is a common noun ("building", "poet"), never a name. */
const ASKS_KIND = /\b(type|types|kind|kinds|sort|occupation|profession|career|pursuit|structure)\b/i;

/**
 * What two subjects have in common: the phrases (one to three words) that both subjects' texts hold, the ones in
 * their opening descriptions ("is an American poet") first, longer and rarer ones before short common ones.
 * When the texts share nothing, the result is empty and the caller reads spans instead.
 */
function shared(form: QuestionOptions, evidence: Evidence[]): ReaderResult {
  const empty = { candidates: [], entropy: 0, normalizedEntropy: 0 };
  if (evidence.length < 2 || evidence.some((e) => e.text.length === 0)) return empty;
  const own = new Set(form.options.flatMap((o) => analyze(o)));
  const asked = new Set(analyze(form.predicate));
  const origin = ASKS_ORIGIN.test(form.predicate);
  const asksKind = ASKS_KIND.test(form.predicate);
  const grams = evidence.map((e) => phrases(leadOf(e.text)));
  const [first, ...rest] = grams;
  if (!first) return empty;
  const scored: Array<{ text: string; score: number; descriptive: boolean }> = [];
  for (const [key, g] of first) {
    const others = rest.map((m) => m.get(key));
    if (others.some((o) => o === undefined)) continue;
    const terms = key.split(' ');
    if (terms.some((t) => own.has(t))) continue;
    const novel = terms.filter((t) => !asked.has(t)).length;
    if (novel === 0) continue;
    // A word one of the texts writes only capitalised is (part of) a name there, not a description, unless an origin
    // is asked ("Armenian"): "east" of "on the east side" and "15 East 30th Street" is no shared trait. When a kind
    // of thing is asked ("what type of structure?"), no name of any length is one ("New York City", for a building).
    if (!origin && (terms.length === 1 || asksKind) && [g, ...others].some((o) => o?.common !== true)) continue;
    const descriptive = [g, ...others].every((o) => o !== undefined && o.descriptive);
    scored.push({ text: g.text, score: novel + (descriptive ? 1.5 : 0), descriptive });
  }
  if (scored.length === 0) return empty;
  const top = scored.sort((a, b) => b.score - a.score).slice(0, 6);
  // A phrase both descriptions hold ("is an American poet") says what the subjects are; one that both leads merely
  // mention ("released", "movements") may be chance, so it keeps half its probability and the rest goes to "none of
  // these": renormalised, a lone such phrase was certain.
  const probs = softmax(top.map((t) => t.score), 0.5).map((p, i) => (top[i]?.descriptive ? p : p * INCIDENTAL));
  const cited = [...new Set(evidence.flatMap((e) => e.passages))].sort((a, b) => a - b);
  return withNoneOfThese(
    top.map((t, i) => ({ text: t.text, prob: round(probs[i] ?? 0), citations: cited })),
    probs,
  );
}

/** A phrase of a lead: its first surface form, whether it stands in the description, whether it is ever in lower case. */
interface Phrase {
  text: string;
  descriptive: boolean;
  common: boolean;
}

/** The share of its probability a phrase keeps when it stands outside the subjects' descriptions. */
const INCIDENTAL = 0.5;

/** The opening two sentences: where an encyclopedia says what its subject is. */
function leadOf(text: string): string {
  return sentencesOf(text).slice(0, 2).join(' ');
}

/**
 * Phrases of one to three words, keyed by their stems, with no stop word at either end and no number; marked
 * descriptive when they stand in the lead's first description (after "is a", up to the first comma-free clause).
 */
function phrases(text: string): Map<string, Phrase> {
  const out = new Map<string, Phrase>();
  const copula = COPULA.exec(text);
  const describedFrom = copula ? copula.index + copula[0].length : -1;
  const describedTo = describedFrom < 0 ? -1 : describedFrom + 80;
  // The analyser keeps some function words as terms ("whose", "also"): at a phrase's edge they make a phrase of
  // chance ("whose", in both leads, was the lone answer to what a cocktail and a drink are both examples of).
  // Whole words, digits included, so that no phrase starts inside one ("th Streets" of "47th and 48th Streets").
  const tokens = [...text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu)].map((m) => ({
    word: m[0],
    at: m.index,
    stem: analyze(m[0])[0],
    function: isEnglishFunctionWord(normalizeText(m[0])),
    number: /\p{N}/u.test(m[0]),
  }));
  for (let i = 0; i < tokens.length; i++) {
    for (let n = 1; n <= 3 && i + n <= tokens.length; n++) {
      const span = tokens.slice(i, i + n);
      if (span[0]?.stem === undefined || span[n - 1]?.stem === undefined || span[0].function || span[n - 1]?.function) continue;
      if (span.some((t) => t.number)) continue;
      const key = span.map((t) => t.stem ?? t.word.toLowerCase()).join(' ');
      const start = span[0].at;
      const last = span[n - 1] as (typeof span)[number];
      const surface = text.slice(start, last.at + last.word.length);
      if (/[,;:()]/.test(surface)) continue;
      const descriptive = start >= describedFrom && start < describedTo && describedFrom >= 0;
      const seen = out.get(key);
      const common = /^\P{Lu}/u.test(surface);
      if (!seen) out.set(key, { text: surface, descriptive, common });
      else {
        if (descriptive) seen.descriptive = true;
        if (common) seen.common = true;
      }
    }
  }
  return out;
}

function choose(form: QuestionOptions, evidence: Evidence[]): ReaderResult {
  let scores: number[];
  const comparative = form.comparative;
  const values = comparative ? evidence.map((e) => (comparative.measure === 'date' ? dateOf(e.text, form.predicate) : quantityOf(e.text, form.predicate))) : [];
  if (comparative && values.filter((v) => v !== undefined).length === evidence.length) {
    const known = values as number[];
    const best = comparative.pick === 'min' ? Math.min(...known) : Math.max(...known);
    // Equal values say nothing; otherwise the better value wins clearly but not with certainty (the value read may not be the one meant).
    scores = known.map((v) => (known.every((x) => x === best) ? 0 : v === best ? 1 : 0));
    return distribution(evidence, scores, 0.45);
  }
  const asked = askedTerms(form);
  scores = evidence.map((e) => coverage(asked, e.terms));
  return distribution(evidence, scores, 0.25);
}

function yesNo(form: QuestionOptions, evidence: Evidence[]): ReaderResult {
  let yes: number;
  if (evidence.some((e) => e.text.length === 0)) yes = 0.5;
  else if (form.same && evidence.length >= 2) {
    // "The same city" is not settled by "an American band": a place finer than a country is read where the lead
    // says the subject is ("formed in 1986 in Buffalo, New York"), and compared as the first place named.
    // The lead's first two sentences: an abbreviation ("Jr.") may end the first one early.
    const read = FINE_PLACE.test(form.predicate) ? placeOf : descriptor;
    const described = evidence.map((e) => read(leadOf(e.text), e.option));
    const agree = described.every((d) => d !== undefined && d === described[0]);
    yes = agree ? 0.75 : 0.3;
  } else {
    const asked = askedTerms(form);
    const least = Math.min(...evidence.map((e) => coverage(asked, e.terms)));
    yes = 0.15 + 0.7 * least;
  }
  const cited = [...new Set(evidence.flatMap((e) => e.passages))].sort((a, b) => a - b);
  // Ties answer "no": the question asserts something the passages do not show.
  const candidates: Candidate[] = [
    { text: 'no', prob: round(1 - yes), citations: cited },
    { text: 'yes', prob: round(yes), citations: cited },
  ].sort((a, b) => b.prob - a.prob);
  const probs = candidates.map((c) => c.prob);
  return { candidates, entropy: entropy(probs), normalizedEntropy: normalizedEntropy(probs) };
}

function distribution(evidence: Evidence[], scores: number[], temperature: number): ReaderResult {
  const probs = softmax(scores, temperature);
  const candidates: Candidate[] = evidence
    .map((e, i) => ({ text: e.fullName, prob: round(probs[i] ?? 0), citations: e.passages }))
    .sort((a, b) => b.prob - a.prob);
  const sorted = candidates.map((c) => c.prob);
  return { candidates, entropy: entropy(sorted), normalizedEntropy: normalizedEntropy(sorted) };
}

/**
 * The passages whose title is the option; else the sentences that name it. What is read of a passage here (its
 * title and text normalised, its terms) is memoised per chunk: every member and round of an ensemble reads the
 * same passages again.
 */
function evidenceFor(option: string, passages: readonly Passage[], memo: TextMemo): Evidence {
  const wanted = normalizeAnswer(option);
  const tokens = new Set(wanted.split(' '));
  const exact: number[] = [];
  const near: number[] = [];
  passages.forEach((p, i) => {
    const title = memo.get('normalized-title', p.chunkId, p.title ?? '', normalizeAnswer);
    if (title.length === 0) return;
    const titleTokens = title.split(' ');
    const shared = titleTokens.filter((t) => tokens.has(t)).length;
    if (title === wanted) exact.push(i + 1);
    else if (shared / tokens.size >= 0.6 && shared / titleTokens.length >= 0.5) near.push(i + 1);
  });
  // A title that is the option names the option itself; one that only shares most of its words may name something
  // else after it ("Edward F. Albee Foundation" for "Edward Albee"), whose dates and full name are not the option's.
  const about = exact.length > 0 ? exact : near;
  if (about.length > 0) {
    const texts = about.map((n) => passages[n - 1] as Passage);
    const text = texts.map((p) => p.text).join('\n');
    const terms = new Set(texts.flatMap((p) => [...passageTerms(memo, p)]));
    return { option, passages: about, text, terms, fullName: fullNameOf(option, text) };
  }
  const mentions: string[] = [];
  const cited: number[] = [];
  const padded = ` ${wanted} `;
  passages.forEach((p, i) => {
    // Most passages do not name the option at all: the whole normalised text says so before any sentence is split.
    if (!normalizedPassage(memo, p).includes(padded)) return;
    const found = sentencesOf(p.text).filter((s) => ` ${normalizeAnswer(s)} `.includes(padded));
    if (found.length > 0) {
      mentions.push(...found);
      cited.push(i + 1);
    }
  });
  const text = mentions.join('\n');
  return { option, passages: cited, text, terms: termSet(text), fullName: option };
}

/** The opening name of a text about the option, when it is the option in full (an encyclopedia's lead). */
function fullNameOf(option: string, text: string): string {
  const lead = /^[\s"“]*((?:\p{Lu}[\p{L}\p{N}'’.&-]*|of|the|de|von|van|der|du|la|le|y|and)(?:\s+(?:\p{Lu}[\p{L}\p{N}'’.&-]*|of|the|de|von|van|der|du|la|le|y|and))*)/u.exec(text);
  const name = lead?.[1]?.replace(/\s+(?:of|the|de|von|van|der|du|la|le|y|and)$/i, '').replace(/[.,]$/, '') ?? '';
  const nameTokens = new Set(normalizeAnswer(name).split(' '));
  const optionTokens = normalizeAnswer(option).split(' ');
  if (name.length === 0 || name.split(/\s+/).length > optionTokens.length + 4) return option;
  return optionTokens.every((t) => nameTokens.has(t)) ? name : option;
}

/** What the question asks of each option: its content terms, less the options' own words. */
function askedTerms(form: QuestionOptions): Set<string> {
  const own = new Set(form.options.flatMap((o) => analyze(o)));
  return new Set(analyze(form.predicate).filter((t) => !ASKING.has(t) && !own.has(t)));
}

/** Share of the asked terms a text (its terms) holds (0 when nothing is asked). */
function coverage(asked: ReadonlySet<string>, terms: ReadonlySet<string>): number {
  if (asked.size === 0 || terms.size === 0) return 0;
  let found = 0;
  for (const t of asked) if (terms.has(t)) found++;
  return found / asked.size;
}

/**
 * The year a comparison by date is about: the first year of the text (an encyclopedia's lead gives birth,
 * founding or release first), or the second of the opening range when the question asks who died.
 */
function dateOf(text: string, predicate: string): number | undefined {
  const first = sentencesOf(text)[0] ?? text;
  const years = [...first.matchAll(YEAR)].map((m) => Number(m[1]));
  const all = years.length > 0 ? years : [...text.matchAll(YEAR)].map((m) => Number(m[1]));
  if (/\b(died|death|dead)\b/i.test(predicate)) return all[1] ?? all[0];
  return all[0];
}

/** The number nearest the asked terms in the sentence that holds most of them ("about 45 species"). */
function quantityOf(text: string, predicate: string): number | undefined {
  const asked = new Set(analyze(predicate).filter((t) => !ASKING.has(t)));
  let best: { value: number; score: number } | undefined;
  for (const sentence of sentencesOf(text)) {
    const score = coverage(asked, termSet(sentence));
    if (score === 0) continue;
    for (const span of answerSpans(sentence)) {
      if (span.kind !== 'number') continue;
      const value = numberValue(span.text);
      if (value === undefined) continue;
      if (!best || score > best.score) best = { value, score };
    }
  }
  return best?.value;
}

function numberValue(text: string): number | undefined {
  const m = /(\d[\d,]*(?:\.\d+)?)\s*(million|billion|thousand)?/i.exec(text);
  if (!m) return undefined;
  const base = Number((m[1] ?? '').replace(/,/g, ''));
  const scale = { million: 1e6, billion: 1e9, thousand: 1e3 }[(m[2] ?? '').toLowerCase() as 'million'] ?? 1;
  return Number.isFinite(base) ? base * scale : undefined;
}

/** A place finer than a country: the subjects' nationality ("American") does not say whether they share it. */
const FINE_PLACE = /\b(city|cities|town|village|state|province|county|district|neighbou?rhood|borough|region|municipality|suburb)\b/i;

/**
 * The first place a lead puts its subject in: the capitalised word after "in" (past lower-case words such as
 * "northeastern", never a month), normalised. Undefined when the lead names none.
 */
function placeOf(lead: string, subject: string): string | undefined {
  return firstOtherWord(lead.matchAll(/\bin\s+(?:(?:the|[\p{Ll}-]+)\s+){0,2}(\p{Lu}[\p{L}'’.-]*)/gu), subject, (word) => monthPattern.test(word));
}

/** The first capitalised word after the lead's copula ("an American director"). */
function descriptor(lead: string, subject: string): string | undefined {
  const copula = COPULA.exec(lead);
  if (!copula) return undefined;
  return firstOtherWord(lead.slice(copula.index + copula[0].length).matchAll(/(\p{Lu}[\p{L}'’-]*)/gu), subject);
}

/** The first word matched (group 1), normalised, that is not one of the subject's own words nor `skip`ped. */
function firstOtherWord(matches: Iterable<RegExpMatchArray>, subject: string, skip?: (word: string) => boolean): string | undefined {
  const own = new Set(normalizeAnswer(subject).split(' '));
  for (const m of matches) {
    const word = m[1] ?? '';
    const key = normalizeAnswer(word);
    if (key.length > 0 && !own.has(key) && skip?.(word) !== true) return key;
  }
  return undefined;
}

const round = (x: number): number => Number(x.toFixed(6));
