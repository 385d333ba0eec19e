import { analyze } from '../core/analyzer.js';
import { INVERSION, PERSON_HOW } from '../query/question-frame.js';

/**
 * Where a question's verb stands, told by the words around it (no parser): after a how-to or capability frame that
 * names who acts ("how do I run ...", "can I talk ...", "is there a way to turn ...") or after an inverted auxiliary and
 * person anywhere ("which formats can I ingest?"), right after a question word
 * that is the subject, before a clause or its object ("what happens when ...", "who wrote the ..."), and between the kind a "which/what" question asks for
 * and a determiner ("which header carries the API key?": nouns do not stand right before "the").
 */
// The how-to frame retrieval leaves out of the query (question-frame.ts), and the verb after it.
const HOW_TO = new RegExp(String.raw`${PERSON_HOW.source}\s+(?<verb>[\p{L}-]+)`, 'iu');
const AFTER_ACTOR = /^\s*is\s+there\s+a\s+way\s+to\s+(?<verb>[\p{L}-]+)/iu;
/**
 * The verb after the inverted auxiliary and person of a question, wherever it stands: "which file formats can I
 * ingest?", "which version do I need?", "what is PPTP and why should I avoid it?".
 */
// Retrieval's own inversion (question-frame.ts), which it leaves out of the query, and the verb after it.
const INVERTED = new RegExp(String.raw`${INVERSION.source}\s+(?<verb>[\p{L}-]+)`, 'giu');
const SUBJECT_ASKS = /^\s*(?:what|who)\s+(?<verb>[\p{L}-]+)\s+(?:when|if|to|the|a|an|after|before|during|this|that|these|those|his|her|its|their)\s/iu;
const KIND_THEN_VERB =
  /^\s*(?:which|what)\s+(?!(?:of|is|are|was|were|do|does|did)\s)[\p{L}\p{N}-]+(?:\s+[\p{L}\p{N}-]+)?\s+(?<verb>[\p{L}-]+)\s+(?:the|a|an|this|that|these|those|its|their|his|her|our|your|my)\s/iu;

/** Auxiliaries and the like, which the frames above may catch in a verb's place: they are no verb of the question. */
const NOT_A_VERB = new Set('is are was were be been has have had do does did can could will would should may might must get'.split(' '));

export interface QuestionVerbs {
  /** The terms of the question's verbs. */
  terms: ReadonlySet<string>;
  /**
   * The verb of a how-to question ("run" of "how do I run the tests?"), which a command line does without saying it
   * ("npm test").
   */
  act: string | undefined;
}

/**
 * The question's verbs: answers say what they ask in other words ("carries" is answered by "needs Authorization:
 * Bearer <key>", "run the tests" by "npm test"), so a verb rare among the passages is no sign that a sentence holding
 * it answers.
 */
export function questionVerbs(question: string): QuestionVerbs {
  const terms = new Set<string>();
  let act: string | undefined;
  for (const frame of [HOW_TO, AFTER_ACTOR, SUBJECT_ASKS, KIND_THEN_VERB]) {
    const verb = frame.exec(question)?.groups?.['verb'];
    if (verb === undefined || NOT_A_VERB.has(verb.toLowerCase())) continue;
    const own = analyze(verb);
    for (const term of own) terms.add(term);
    if (frame === HOW_TO) act = own[0];
  }
  for (const m of question.matchAll(INVERTED)) {
    const verb = m.groups?.['verb'] ?? '';
    if (!NOT_A_VERB.has(verb.toLowerCase())) for (const term of analyze(verb)) terms.add(term);
  }
  return { terms, act };
}
