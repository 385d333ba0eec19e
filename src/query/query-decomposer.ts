import { isStopWord, normalizeText } from '../core/analyzer.js';
import { contentWords, isPronoun, isQueryWord } from './query-words.js';

export interface QueryDecomposerOptions {
  /** At most this many sub-queries; the first ones are kept. */
  maxSubQueries: number;
}

const WH = 'what|which|who|whom|whose|when|where|why|how|whether';
const AUX = 'is|are|was|were|do|does|did|can|could|should|will|would|has|have|had';
const STARTS_QUESTION = new RegExp(`^(?:${WH}|${AUX}|what's|tell|explain|describe|list|compare|give|name)\\b`, 'i');
/** "and" (or "but", ";") that opens a second question: followed by a question word or an auxiliary verb. */
const INTENT_JOIN = new RegExp(`\\s*(?:[,;]\\s*(?:and|but)\\s+(?:also\\s+)?|\\s+(?:and|but)\\s+(?:also\\s+)?)(?=(?:${WH})\\b)|\\s*[,;]?\\s+and\\s+also\\s+|\\s*;\\s+`, 'i');
const RELATIVE = /^(?:who|which|that|whose|whom|where)$/i;
const WH_OR_AUX_WORD = new RegExp(`^(?:${WH}|${AUX})$`, 'i');
const NOT_A_NAME = new RegExp(`^(?:${WH}|${AUX}|both)$`, 'i');
const FILLER = new RegExp(`^(?:${WH}|${AUX}|both|same|either|neither|each|all|other)$`, 'i');
const LEADING_WH = new RegExp(`^(?:${WH})\\s+`, 'i');
const AUX_COORDINATION = new RegExp(`^(?:${AUX})\\s+(?:both\\s+)?(?:the\\s+)?(?<a>\\S+(?:\\s+\\S+){0,4}?)\\s+and\\s+(?:the\\s+)?(?<rest>.+)$`, 'iu');
const PREPOSITIONS = new Set('of in on at for by with from about to into behind between during under over'.split(' '));
const DETERMINERS = new Set('the a an this that these those its their his her our my'.split(' '));
/** Words that end a lower-case entity in "are A and B both ...". */
const PREDICATE_START = new Set('both same also either each known considered located based from of in have has had share'.split(' '));
const CONNECTORS = new Set(['of', 'the', 'de', 'la', 'von', 'van', 'del', 'da', 'du', '&', 'and']);
const AUX_FIRST = new RegExp(`^(?:${AUX})\\b`, 'i');
/** Nationality adjectives by their endings (American, Chinese, British, Israeli, French), and the few others. */
const DEMONYM = /^(?:\p{Lu}\p{Ll}+(?:an|ese|ish|i|ch)|Greek|Swiss|Thai)\??$/u;
/** Words by which a question speaks of two things apart: "were A and B both ...", "the same", "in common". */
const APART = /\b(?:both|same|each|either|neither|all|common|share|shared|different|differ|alike|similar|together)\b/i;

/**
 * Rule-based decomposition of a query into sub-queries, one per intent (Omni-RAG's decomposition without an
 * LLM). It recognises several questions in one text, a second question joined by "and"/"but" plus a question
 * word ("X, and how ..."), "and also", comparisons ("which is older, A or B", "were A and B of the same
 * nationality", "differences between A and B", "A vs B"), multi-aspect questions ("the origins and advancements
 * of X"), and in questions, a relative clause that describes a second entity ("... an album by a group that was
 * formed by who?"). A sub-query whose words point back ("it", "they") gets the words they point at. A query with
 * none of these patterns stays whole: the result is then `[text]`.
 */
export class QueryDecomposer {
  constructor(private readonly options: QueryDecomposerOptions) {}

  decompose(text: string): string[] {
    const whole = text.trim();
    const sentences = splitSentences(whole);
    const questions = sentences.filter(isQuestionLike);
    const units = questions.length > 0 ? questions : [whole];
    // Sentences that are not questions ("I heard Malaysia has a national flower.") give pronouns their referent.
    const context = questions.length > 0 ? sentences.filter((s) => !isQuestionLike(s)).join(' ') : '';

    const parts: string[] = [];
    for (const unit of units) {
      const intents = splitIntents(unit);
      intents.forEach((intent, i) => {
        const referent = i === 0 ? context : (intents[i - 1] ?? '');
        for (const sub of splitIntent(intent, isQuestionLike(unit))) parts.push(resolveReferences(sub, referent, context));
      });
    }
    const unique = [...new Map(parts.map((p) => [normalizeText(p), tidy(p)])).values()].filter((p) => contentWords(p).length > 0);
    if (unique.length <= 1) return [whole];
    return unique.slice(0, this.options.maxSubQueries);
  }
}

/** Sentences: split after ? and !, and after a full stop that ends a lower-case word before a capital. */
function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[?!])\s+(?=\S)|(?<=\b[a-z]{3,}[.])\s+(?=[A-Z])/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function isQuestionLike(sentence: string): boolean {
  return /\?\s*$/.test(sentence) || STARTS_QUESTION.test(sentence);
}

/** "What is X, and how does Y ...", "X and also Y", "X; Y": one part per intent (parts without content rejoin). */
function splitIntents(sentence: string): string[] {
  const out: string[] = [];
  for (const piece of sentence.split(INTENT_JOIN)) {
    if (out.length > 0 && contentWords(piece).length === 0) out[out.length - 1] += ` ${piece}`;
    else out.push(piece);
  }
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * Sub-queries of one intent: a comparison's sides, a multi-aspect question's aspects, or a relative clause. A
 * statement (a claim, keywords) is only split at an explicit "vs"/"versus": its "and" rarely joins two intents.
 */
function splitIntent(intent: string, question: boolean): string[] {
  if (!question) return versus(intent, false) ?? [intent];
  return (
    whichOfTwo(intent) ??
    betweenTwo(intent) ??
    versus(intent, true) ??
    coordinatedEntities(intent) ??
    aspects(intent) ??
    relativeClause(intent) ?? [intent]
  );
}

/** "Which is older, A or B?" -> "A older", "B older". */
function whichOfTwo(text: string): string[] | null {
  const m = /^(?<head>(?:which|who|what)\b[^,:]{0,100}?)\s*[,:]\s*(?:the\s+)?(?<a>[^,]+?),?\s+or\s+(?:the\s+)?(?<b>[^,?]+?)\s*(?:,\s*(?<rest>[^?]*))?\??$/iu.exec(text);
  if (!m?.groups) return null;
  const { head = '', a = '', b = '', rest = '' } = m.groups;
  return sides(a, b, contentTokens(`${head} ${rest}`));
}

/** "differences between A and B", "compare A with B" -> "A", "B" (with the words before as the aspect). */
function betweenTwo(text: string): string[] | null {
  const m = /^(?<pre>.*?)\b(?:(?:differences?|similarit(?:y|ies)|relationship|distinction|comparison|contrast)\s+between|compare|comparing|contrast)\s+(?<a>.+?)\s+(?:and|with|to|vs\.?|versus)\s+(?<b>.+?)\s*\??$/iu.exec(
    text,
  );
  if (!m?.groups) return null;
  const { pre = '', a = '', b = '' } = m.groups;
  return sides(a.replace(LEADING_WH, ''), b, contentTokens(pre));
}

/** "A vs B", "A versus B", and in questions "A compared to B"; each side needs two content words of its own. */
function versus(text: string, question: boolean): string[] | null {
  const m = (question ? /^(?<a>.+?)\s+(?:vs\.?|versus|compared (?:to|with))\s+(?<b>.+?)\s*\??$/iu : /^(?<a>.+?)\s+(?:vs\.?|versus)\s+(?<b>.+?)\s*\??$/iu).exec(text);
  if (!m?.groups) return null;
  const a = m.groups['a'] ?? '';
  const b = m.groups['b'] ?? '';
  if (contentWords(a).length < 2 || contentWords(b).length < 2) return null;
  return sides(a, b, []);
}

/**
 * Named entities joined by "and"/"or" ("Were Scott Derrickson and Ed Wood of the same nationality?", "Both Bishop
 * Carroll High School and Kapaun Mt. Carmel High School are in which city?", "were A, B and C all American?"): one
 * sub-query per entity with the rest of the question's content words. Entities are runs of capitalised words; in an
 * all lower-case yes/no question ("are a and b both ...") the second entity ends where the predicate starts. Two
 * single words joined by "and" are one name ("Simon and Garfunkel", "Procter and Gamble") unless the question
 * speaks of them apart ("both", "same", "each", ...).
 */
function coordinatedEntities(text: string): string[] | null {
  const tokens = text.split(/\s+/);
  // A name kept whole ("Simon and Garfunkel") is not split by the lower-case fallback below either.
  let keptWhole = false;
  for (let i = 1; i < tokens.length - 1; i++) {
    const join = (tokens[i] ?? '').toLowerCase();
    if (join !== 'and' && join !== 'or') continue;
    // The name before the join may end with the list's comma ("A, B, and C").
    let start = i;
    if (start > 1 && /,$/.test(tokens[i - 1] ?? '') && isNameToken(tokens, i - 1, true)) start--;
    while (start > 0 && startsName(tokens, start - 1)) start--;
    let end = i + 1;
    while (end < tokens.length && isNameToken(tokens, end)) end++;
    // "Is Procter and Gamble American?": a nationality closing a yes/no question is what it asks, not the name's end.
    if (end === tokens.length && end - i > 2 && AUX_FIRST.test(text) && DEMONYM.test(tokens[end - 1] ?? '')) end--;
    // "Department of Health and Human Services": an "and" after "X of Y" is inside one name.
    const left = tokens.slice(start, i).map((t) => t.toLowerCase());
    if (!(start < i && end > i + 1 && isCapitalised(tokens[start]) && isCapitalised(tokens[i + 1]) && start > 0 && !left.includes('of'))) continue;
    // "Copenhagen, Denmark and Malmo, Sweden": places with their countries, not a list of names.
    if (/,$/.test(tokens[end - 1] ?? '') && isCapitalised(tokens[end])) continue;
    const items = [tokens.slice(start, i).join(' '), tokens.slice(i + 1, end).join(' ')];
    // Earlier names of a list, each ending with a comma: "A, B and C".
    while (start > 1 && /,$/.test(tokens[start - 1] ?? '') && isNameToken(tokens, start - 1, true)) {
      let from = start - 1;
      while (from > 0 && startsName(tokens, from - 1)) from--;
      if (from === 0 || !isCapitalised(tokens[from])) break;
      items.unshift(tokens.slice(from, start).join(' '));
      start = from;
    }
    if (join === 'and' && items.length === 2 && items.every((n) => !/\s/.test(trimConnectors(n))) && !APART.test(text)) {
      keptWhole = true;
      continue;
    }
    const rest = [...tokens.slice(0, start), ...tokens.slice(end)].join(' ');
    const out = sidesOf(items.map(trimConnectors), contentTokens(rest));
    if (out) return out;
  }
  if (keptWhole) return null;
  const m = AUX_COORDINATION.exec(text);
  if (!m?.groups) return null;
  const rest = (m.groups['rest'] ?? '').split(/\s+/);
  const cut = rest.findIndex((w, j) => j > 0 && (PREDICATE_START.has(w.toLowerCase()) || isStopWord(w.toLowerCase())));
  if (cut <= 0) return null;
  return sides(m.groups['a'] ?? '', rest.slice(0, cut).join(' '), contentTokens(rest.slice(cut).join(' ')));
}

/** "What are the origins and advancements of X?" -> "origins of X", "advancements of X". */
function aspects(text: string): string[] | null {
  const tokens = text.split(/\s+/);
  for (let i = 1; i < tokens.length - 2; i++) {
    if ((tokens[i] ?? '').toLowerCase() !== 'and') continue;
    let start = i;
    while (start > 0 && i - start < 3 && isAspectWord(tokens[start - 1])) start--;
    let end = i + 1;
    if ((tokens[end] ?? '').toLowerCase() === 'the') end++;
    const bStart = end;
    while (end < tokens.length && end - bStart < 3 && isAspectWord(tokens[end])) end++;
    const prep = (tokens[end] ?? '').toLowerCase();
    if (start === i || end === bStart || !PREPOSITIONS.has(prep)) continue;
    // The first aspect must open a noun phrase ("the causes and effects of"), not end one or be verbs
    // ("was written and illustrated by").
    if (!DETERMINERS.has((tokens[start - 1] ?? '').toLowerCase())) continue;
    if (contentWords(tokens.slice(end).join(' ')).length === 0) continue;
    // Each aspect in the whole question's wording, so the question's other words stay with it.
    const pre = tokens.slice(0, start);
    const post = tokens.slice(end);
    return [[...pre, ...tokens.slice(start, i), ...post].join(' '), [...pre, ...tokens.slice(bStart, end), ...post].join(' ')];
  }
  return null;
}

/**
 * In a question, a relative clause late in the sentence describes a second entity the answer hangs on ("... the
 * debut album of a South Korean boy group that was formed by who?"): the text before it, and the entity's noun
 * phrase with the clause, become two sub-queries.
 */
function relativeClause(text: string): string[] | null {
  const tokens = text.split(/\s+/);
  for (let i = 2; i < tokens.length - 2; i++) {
    if (!RELATIVE.test(tokens[i] ?? '')) continue;
    let headEnd = i;
    if (PREPOSITIONS.has((tokens[i - 1] ?? '').toLowerCase())) headEnd = i - 1;
    let headStart = headEnd;
    while (headStart > 0 && headEnd - headStart < 4 && isHeadWord(tokens[headStart - 1])) headStart--;
    if (headStart === headEnd) continue;
    const before = tokens.slice(0, headEnd).join(' ');
    const clause = tokens.slice(i + 1).join(' ');
    if (contentWords(before).length < 2 || contentWords(clause).length < 2) continue;
    return [before, `${tokens.slice(headStart, headEnd).join(' ')} ${clause}`];
  }
  return null;
}

/** Sub-queries for the two sides of a comparison, each with the shared aspect words; null when a side is empty. */
function sides(a: string, b: string, aspect: string[]): string[] | null {
  return sidesOf([a, b], aspect);
}

/** Sub-queries for each side (of two or more), each with the shared aspect words; null when a side is empty or long. */
function sidesOf(names: readonly string[], aspect: string[]): string[] | null {
  if (names.some((n) => contentWords(n).length === 0 || contentWords(n).length > 8)) return null;
  const tail = aspect.filter((w) => !FILLER.test(w));
  return names.map((side) => [side.trim(), ...tail].join(' '));
}

/** "What is X", "who are X": a question with its subject, however short. */
const DEFINES = /^\s*(?:what|who)\s+(?:is|are|was|were)\s+\S/i;

/** A pronoun-bearing sub-query gets the content words of what came before it (the referent). */
function resolveReferences(sub: string, referent: string, context: string): string {
  const tokens = sub.split(/\s+/).map((t) => normalizeText(t.replace(/[^\p{L}\p{N}']/gu, '')));
  // One content word is elliptical ("and the population?") unless the sub-query asks what it is ("what is rrf" has
  // its own subject: it became "what is rrf bm25" after "what is bm25").
  const own = contentWords(sub).length;
  const pointsBack = tokens.some((t) => isPronoun(t)) || ((own === 0 || (own === 1 && !DEFINES.test(sub))) && tokens.some((t) => isQueryWord(t)));
  if (!pointsBack) return sub;
  const source = referent.length > 0 ? referent : context;
  const extra = contentTokens(source).filter((t) => !sub.toLowerCase().includes(t.toLowerCase())).slice(-4);
  return extra.length === 0 ? sub : `${sub.replace(/[\s?.!]+$/, '')} ${extra.join(' ')}`;
}

/** Content words of a text in their original spelling. */
function contentTokens(text: string): string[] {
  return (text.match(/[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}'’.-]*[\p{L}\p{M}\p{N}])?/gu) ?? []).filter((t) => contentWords(t).length > 0);
}

function tidy(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/^[\s,;:]+|[\s,;:]+$/g, '').trim();
}

function isCapitalised(token: string | undefined): boolean {
  return token !== undefined && /^["'“(]?\p{Lu}/u.test(token);
}

/** Walking back from a name: the token before it is part of it (a name token that no comma or colon ends). */
function startsName(tokens: string[], i: number): boolean {
  return !/[,?;:]$/.test(tokens[i] ?? '') && isNameToken(tokens, i, true);
}

/**
 * A token that can be part of a name: capitalised, or a connector ("of", "de") between capitalised tokens. Walking
 * forward, a token after a comma starts something else; walking back (`backward`), the caller checks the token itself.
 */
function isNameToken(tokens: string[], i: number, backward = false): boolean {
  const t = tokens[i];
  if (t === undefined || (!backward && /[,?;:]$/.test(tokens[i - 1] ?? ''))) return false;
  if (isCapitalised(t) && !NOT_A_NAME.test(t)) return true;
  const lower = t.toLowerCase();
  return lower !== 'and' && CONNECTORS.has(lower) && isCapitalised(tokens[i - 1]) && isCapitalised(tokens[i + 1]);
}

function trimConnectors(name: string): string {
  return name.replace(/^(?:(?:the|of|and)\s+)+/i, '').replace(/[,?;:]+$/, '');
}

/** A word that can be part of an aspect noun phrase: a content word, not a preposition, without punctuation. */
function isAspectWord(token: string | undefined): boolean {
  if (token === undefined || /[,?;:]$/.test(token)) return false;
  const w = normalizeText(token);
  return /^[\p{L}-]+$/u.test(w) && !isStopWord(w) && !PREPOSITIONS.has(w) && !DETERMINERS.has(w) && !isQueryWord(w) && !WH_OR_AUX_WORD.test(w);
}

/** A word that can be part of a relative clause's head noun phrase. */
function isHeadWord(token: string | undefined): boolean {
  if (token === undefined || /[,?;:]$/.test(token)) return false;
  const w = normalizeText(token);
  return !isStopWord(w) && !PREPOSITIONS.has(w) && !DETERMINERS.has(w) && !isQueryWord(w) && !WH_OR_AUX_WORD.test(w);
}
