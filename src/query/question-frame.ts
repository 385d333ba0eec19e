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

/** "What does X do?": asks what X is for; "what does" and the closing "do" are the frame. */
const WHAT_DO_FRAME = /^\s*what\s+(?:does|do|did)\s+(?<subject>.+?)\s+do\s*\?*\s*$/i;

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
