import { analyze } from '../core/analyzer.js';

/** What kind of answer a question asks for, from its form alone (no model). */
export type AnswerType = 'person' | 'date' | 'number' | 'place' | 'entity' | 'yesno' | 'description';

const MONTH = /\b(january|february|march|april|may|june|july|august|september|october|november|december)\b/i;

/**
 * Factoid questions (who, when, how many, which X, what is the name...) want a short span; "how do I", "why",
 * "explain", keyword queries and multi-aspect questions want sentences ("description").
 */
export function answerTypeOf(question: string): AnswerType {
  const q = question.trim().toLowerCase().replace(/\s+/g, ' ');
  if (definedSubject(question) !== undefined) return 'description';
  if (/\b(why|how (do|does|did|can|could|should|to)|explain|describe|what are the (benefits|advantages|differences|risks|steps)|compare)\b/.test(q)) return 'description';
  if (/\b(when|what year|which year|what date|in what year|what century|what decade|what time|timeframe|what period)\b/.test(q)) return 'date';
  if (/\b(how (many|much|long|old|tall|far|big|large|high|deep|wide)|what (number|percentage|age|population))\b/.test(q)) return 'number';
  // A quantity named by its noun is answered by a number as "how many" is: "what port?" is 3000, not TCP.
  if (/\b(what|which)( (default|maximum|minimum|max|min))? (port|version|amount|percent|price|cost|fee|salary|weight|height|length|distance|speed|capacity|temperature|budget|score)\b/.test(q)) return 'number';
  if (/\b(who|whom|whose)\b/.test(q)) return 'person';
  if (/\bwhere\b|\bwhat (city|country|state|town|county|region|continent)\b|\bwhich (city|country|state|town|county|region)\b/.test(q)) return 'place';
  if (/^(is|are|was|were|do|does|did|can|could|has|have|had)\b/.test(q) && !/\bor\b/.test(q)) return 'yesno';
  if (/\b(what|which|name)\b/.test(q) && q.split(' ').length <= 40) return 'entity';
  return 'description';
}

/** Words a definitional question's subject never holds: with them it asks for a fact about the subject. */
const NOT_A_SUBJECT = /\b(of|in|on|at|by|for|from|to|with|into|about|than|that|which|who|whom|whose|when|where|why|how|do|does|did|used|called|named|known|name|first|last|only|main|best|largest|biggest|smallest|oldest|youngest|highest|longest|and|or)\b/i;

/**
 * What a definitional question asks to be defined: "what is the ensemble?" gives "ensemble", "who was Ada
 * Lovelace?" "Ada Lovelace". Undefined for a question about a fact of its subject ("what is the capital of
 * France?", "what is OpenSearch used for?"), a role ("who is the director?") or a subject of more than five words.
 */
export function definedSubject(question: string): string | undefined {
  const m = /^\s*(what|who)(?:'s|\s+is|\s+are|\s+was|\s+were)\s+((?:an?|the)\s+)?(.+?)\s*\?*\s*$/iu.exec(question);
  // "Who is the director?" asks for a person by role; "who was Ada Lovelace?" for a description of one.
  if (m?.[1]?.toLowerCase() === 'who' && m[2] !== undefined) return undefined;
  const subject = m?.[3];
  if (subject === undefined || NOT_A_SUBJECT.test(subject) || subject.split(/\s+/).length > 5 || /[?,;:]|['’]s\b/u.test(subject)) return undefined;
  return subject;
}

/** Words that end the noun phrase after "what" / "which": verbs, prepositions, relatives. */
const PHRASE_END = new Set(
  'is was are were be been did does do has had have can could would will should may might in on of at by for from to with into about that which who whose whom where when and or as than'.split(' '),
);

/**
 * The head noun of the kind a "what X" / "which X" question asks for, as an index term: "in what Western TV
 * series?" gives seri, "for what 1969 satire novel?" novel, "by which country music star, with ..." star.
 * Undefined when the question names no kind ("which was their first?", "who ...?"). With no parser, the phrase
 * ends at the first verb or preposition of a short list: a verb it does not know ("what river flows through
 * Paris?") leaves a wrong head (paris), and linked titles are then lowered for not being one.
 */
export function askedKind(question: string): string | undefined {
  const after = /\b(?:what|which)\s+(.*)/i.exec(question)?.[1];
  if (after === undefined) return undefined;
  const words: string[] = [];
  for (const raw of after.split(/\s+/)) {
    const word = raw.replace(/[^\p{L}\p{N}'-]/gu, '');
    if (word.length === 0) break;
    const lower = word.toLowerCase();
    if (words.length === 0 && (lower === 'the' || lower === 'a' || lower === 'an')) continue;
    if (PHRASE_END.has(lower)) break;
    words.push(word);
    if (/[,;:?!.]$/.test(raw)) break;
  }
  const head = words.at(-1);
  return head === undefined || /^\d+$/.test(head) ? undefined : analyze(head)[0];
}

export function isFactoid(type: AnswerType): boolean {
  return type !== 'description' && type !== 'yesno';
}

/** Whether a span looks like the type asked for: a date for "when", a number for "how many", a name for "who". */
export function typeFit(type: AnswerType, span: { text: string; kind: SpanKind }): number {
  switch (type) {
    case 'date':
      return span.kind === 'date' ? 1 : span.kind === 'number' && /\b\d{3,4}\b/.test(span.text) ? 0.8 : 0.15;
    case 'number':
      return span.kind === 'number' ? 1 : span.kind === 'date' ? 0.4 : 0.15;
    case 'person':
    case 'place':
      return span.kind === 'name' ? 1 : span.kind === 'title' ? 0.5 : 0.15;
    case 'entity':
      return span.kind === 'name' || span.kind === 'title' ? 1 : span.kind === 'phrase' ? 0.6 : 0.5;
    default:
      return 0.5;
  }
}

export type SpanKind = 'name' | 'date' | 'number' | 'title' | 'phrase';

export const monthPattern = MONTH;
