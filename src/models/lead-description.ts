import { analyze } from '../core/analyzer.js';
import { sentencesOf } from './sentences.js';

/** The copula an encyclopedia's lead describes its subject with: "X is an American Western series ...". */
export const COPULA = /\b(?:is|was|are|were)\s+(?:an?|the|one of the)?\s*/i;
/** Words of the description kept: the kind of thing comes early ("an American actor, filmmaker and ..."). */
const DESCRIPTION_WORDS = 8;

/**
 * The terms of what a passage's opening sentence says its subject is: the words after the copula, up to the first
 * comma, semicolon or parenthesis, at most eight ("Rawhide is an American Western series that aired on CBS" gives
 * american, western, seri, air, cb). Undefined when the opening sentence has no copula (not a description).
 */
export function leadDescription(text: string): Set<string> | undefined {
  const first = sentencesOf(text)[0] ?? '';
  const copula = COPULA.exec(first);
  if (!copula) return undefined;
  const described = first.slice(copula.index + copula[0].length).split(/[,;(]/)[0] ?? '';
  return new Set(analyze(described.split(/\s+/).slice(0, DESCRIPTION_WORDS).join(' ')));
}
