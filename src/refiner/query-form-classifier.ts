import { QueryAnalyzer } from './query-analyzer.js';

/** Asks for a whole topic: an overview, a summary, a comparison, an explanation, a list of aspects. */
const GLOBAL = [
  /\b(summari[sz]e|summary|overview|outline|describe|description|explain|explanation|discuss|introduction to|tell me about)\b/i,
  /\bwhat (is|are|was|were) (\w+ ){0,4}(about|like)\b/i,
  /\b(compare|comparison|contrast|differences?|similarit(y|ies)|pros and cons|advantages|disadvantages|versus|vs\.?)\b/i,
  /\b(history|evolution|development|impact|effects?|benefits|factors|aspects|role|significance|importance) of\b/i,
  /\bhow (does|do|did|has|have|can|could|should) .* (work|affect|impact|influence|change|relate|develop|evolve)\b/i,
  /\bwhy\b/i,
  /\b(and|as well as) (how|what|why)\b/i,
];

/** Asks for one fact: who/when/where/which/how many, a yes-no question, a name or number. */
const LOCAL = [
  /^\s*(who|whom|whose|when|where|which)\b/i,
  /^\s*what (year|date|day|month|time|city|country|town|state|name|number|type|kind|nationality|language|team|position|genre)\b/i,
  /^\s*how (many|much|old|long|tall|far|big|large|high|often)\b/i,
  /^\s*(is|are|was|were|did|does|do|has|have|had|can|could|will)\b/i,
  /\b(in what year|what year|which year|the name of|born|founded|located|released)\b/i,
];

/**
 * Alpha without an LLM, from the question's form: cues of a global need raise it, cues of a local fact lower it,
 * each family counted once, from an even 0.5; a long question leans global (many aspects), a bare keyword query
 * stays neutral.
 */
export class QueryFormClassifier extends QueryAnalyzer {
  readonly name = 'rules';

  protected doAnalyze(query: string): number {
    return queryFormAlpha(query);
  }
}

export function queryFormAlpha(query: string): number {
  const q = query.trim();
  if (q.length === 0) return 0.5;
  const global = GLOBAL.filter((r) => r.test(q)).length;
  const local = LOCAL.filter((r) => r.test(q)).length;
  const words = q.split(/\s+/).length;
  let alpha = 0.5 + 0.2 * Math.min(global, 2) - 0.2 * Math.min(local, 2);
  if (words >= 20) alpha += 0.1;
  return Math.min(1, Math.max(0, Math.round(alpha * 100) / 100));
}
