import { analyze } from '../core/analyzer.js';

/**
 * The frame a how-to question opens with ("how do I", "how can we", "how does it", "how to"; with "how does X
 * work?", the closing "work" too): it says that a way of doing something is asked, not what it is about.
 * Documentation rarely words itself so, so the frame's words are rare in it, and a lexical match on them finds the
 * one passage that happens to quote such a question (a quick start's example query) rather than the passage about
 * the rest of the question.
 */
const HOW_FRAME = /^\s*how\s+(?:(?:do|does|did|can|could|should|would)(?:\s+(?:i|we|you|one|it|they))?|to)\b\s*/i;
/** "How does X work?": the closing "work" belongs to the frame too. */
const WORK_CLOSE = /(?:^|\s+)works?\s*\?*\s*$/i;

/**
 * "What does X do?" asks what X is for, "what does X mean?" (or "stand for") what X is: "what does" and the closing verb
 * are the frame. Documentation defines X without saying "means", so the verb matched passages that use it in passing
 * ("the mean over tokens", a table's "meaning" column).
 */
const WHAT_DO_FRAME = /^\s*what\s+(?:does|do|did)\s+(?<subject>.+?)\s+(?:do|mean|stand\s+for)\s*\?*\s*$/i;

/**
 * Verbs of setting something up after a how-to frame ("how do I change the port?", "how can I turn off the cache?"):
 * documentation states the setting or command ("server.port", "--port 3001") and seldom the verb, so a match on it
 * found incidental uses ("every question it changed", "cache.enabled") rather than the thing to set. "configure"
 * stays: documentation does say "To configure an LLM, ...".
 */
const SETTING_VERB = /^(?:change|set(?:\s+up)?|enable|disable|turn\s+(?:on|off)|switch\s+(?:on|off)|use|adjust|modify)\s+/i;
/**
 * A how-to frame that names who acts ("how do I", "how can we", "how to"): the word after it is a verb. After "how
 * does" it is the subject ("how does use of social media affect teens?"), whose every word stays.
 */
export const PERSON_HOW = /^\s*how\s+(?:(?:do|can|could|should|would)\s+(?:i|we|you|one)|to)\b/i;

/**
 * "Does it support X?", "can you tell me about X?", "is there a way to X?": a capability or a request, asked of the
 * system or the reader. Documentation says "supports" of many things in passing, so the frame's verb would outweigh
 * X itself ("does it support streaming?" found a table row on "supporting-document recall").
 */
const ASK_FRAME =
  /^\s*(?:(?:does|do|can|could|will|would)\s+(?:it|this|they|you|i|we|one)|is\s+(?:there\s+a\s+way|it\s+possible))\s+(?:(?:to|support|handle|allow|offer|provide|tell\s+me(?:\s+about)?|explain|describe)\s+)?/i;

/** The question without its how-to frame, for lexical matching; the question itself when nothing else is left. */
export function withoutQuestionFrame(query: string): string {
  const whatDo = WHAT_DO_FRAME.exec(query)?.groups?.['subject'];
  if (whatDo !== undefined && /[\p{L}\p{N}]/u.test(whatDo)) return whatDo;
  const asked = query.replace(ASK_FRAME, '');
  if (asked !== query) return /[\p{L}\p{N}]/u.test(asked) ? asked : query;
  const opened = query.replace(HOW_FRAME, '');
  if (opened === query) return query;
  const rest = opened.replace(WORK_CLOSE, '');
  const object = PERSON_HOW.test(query) ? rest.replace(SETTING_VERB, '') : rest;
  // Only what leaves terms to match: "how do I use it?" keeps "use", which "it" alone would not give.
  if (object !== rest && analyze(object).length > 0) return object;
  return /[\p{L}\p{N}]/u.test(rest) ? rest : query;
}

/**
 * The inverted auxiliary and person of a question, wherever it stands: "which file formats can I ingest?", "which
 * version do I need?", "why should I avoid it?".
 */
export const INVERSION = /(?<![\p{L}\p{N}'’])(?:do|does|did|can|could|should|would|will|shall|may|might|must)\s+(?:i|we|you|one)(?![\p{L}\p{N}'’])/giu;

/**
 * The question's words to match passages by: without its frame (`withoutQuestionFrame`), and without the inverted
 * auxiliary and person of the question wherever they stand ("which file formats can I ingest?" -> "which file formats
 * ingest?"). Lucene's stop words keep them, and documentation seldom writes "I" or "can" (5 and 15 of the bundled
 * docs' 200 chunks), so as rare terms they outweighed the question's subject and found the passages that quote a
 * question (the quick start's "how do I ingest documents?") rather than those about the subject. The question
 * itself when nothing else is left.
 */
export function questionContent(query: string): string {
  const unframed = withoutQuestionFrame(query);
  const rest = unframed.replace(INVERSION, ' ').replace(/\s+/g, ' ').trim();
  return rest !== unframed.trim() && analyze(rest).length > 0 ? rest : unframed;
}
