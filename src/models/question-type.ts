/** What kind of answer a question asks for, from its form alone (no model). */
export type AnswerType = 'person' | 'date' | 'number' | 'place' | 'entity' | 'yesno' | 'description';

const MONTH = /\b(january|february|march|april|may|june|july|august|september|october|november|december)\b/i;

/**
 * Factoid questions (who, when, how many, which X, what is the name...) want a short span; "how do I", "why",
 * "explain", keyword queries and multi-aspect questions want sentences ("description").
 */
export function answerTypeOf(question: string): AnswerType {
  const q = question.trim().toLowerCase().replace(/\s+/g, ' ');
  if (/\b(why|how (do|does|did|can|could|should|to)|explain|describe|what are the (benefits|advantages|differences|risks|steps)|compare)\b/.test(q)) return 'description';
  if (/\b(when|what year|which year|what date|in what year|what century|what decade|what time|timeframe|what period)\b/.test(q)) return 'date';
  if (/\b(how (many|much|long|old|tall|far|big|large|high|deep|wide)|what (number|percentage|age|population))\b/.test(q)) return 'number';
  if (/\b(who|whom|whose)\b/.test(q)) return 'person';
  if (/\bwhere\b|\bwhat (city|country|state|town|county|region|continent)\b|\bwhich (city|country|state|town|county|region)\b/.test(q)) return 'place';
  if (/^(is|are|was|were|do|does|did|can|could|has|have|had)\b/.test(q) && !/\bor\b/.test(q)) return 'yesno';
  if (/\b(what|which|name)\b/.test(q) && q.split(' ').length <= 40) return 'entity';
  return 'description';
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
