/** Answer metrics with SQuAD's normalisation (lower case, no punctuation, no articles, single spaces). */
import { answerTokens as tokens, normalizeAnswer, tokenF1 } from '../core/answer-text.js';

export { normalizeAnswer };

export function exactMatch(prediction: string, gold: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(gold) ? 1 : 0;
}

/** Token-overlap F1 (SQuAD). */
export function f1Score(prediction: string, gold: string): number {
  return tokenF1(prediction, gold);
}

/** "acc" (sub-EM): the normalised gold answer occurs within the normalised prediction. */
export function subExactMatch(prediction: string, gold: string): number {
  const g = normalizeAnswer(gold);
  return g.length > 0 && ` ${normalizeAnswer(prediction)} `.includes(` ${g} `) ? 1 : 0;
}

/** Share of the reference answer's distinct words that the prediction contains: for long-form answers. */
export function wordRecall(prediction: string, reference: string): number {
  const ref = new Set(tokens(reference));
  if (ref.size === 0) return 0;
  const pred = new Set(tokens(prediction));
  let found = 0;
  for (const t of ref) if (pred.has(t)) found++;
  return found / ref.size;
}

/** The best score over several gold answers, as SQuAD and the QA literature do. */
export function bestOver(golds: readonly string[], score: (gold: string) => number): number {
  return golds.reduce((best, g) => Math.max(best, score(g)), 0);
}
