import { analyze } from '../core/analyzer.js';
import { definedSubject } from './question-type.js';

/**
 * "X is ...", "Xs are ...": a sentence that defines a definitional question's subject ("what is the ensemble?" ->
 * "An ensemble is ..."). `anchored` matches a sentence from its start; otherwise any sentence of a longer text (after
 * a line break or a sentence's end). Undefined when the question is not definitional, or its subject is stop words.
 */
export function definitionPattern(query: string, anchored: boolean): RegExp | undefined {
  const subject = definedSubject(query);
  if (subject === undefined || analyze(subject).length === 0) return undefined;
  const words = subject.split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const start = anchored ? '^' : '(?:^|\\n|[.!?]\\s+)\\s*';
  return new RegExp(`${start}(?:(?:an?|the)\\s+)?${words.join('\\s+')}(?:e?s)?\\s+(?:is|are|was|were|means|refers to)\\b`, 'iu');
}
