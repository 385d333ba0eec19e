import type { Candidate, ReaderResult } from '../core/types.js';
import { entropy, normalizedEntropy } from './entropy.js';

/**
 * A reader's result from candidates whose probabilities (`probs`, one per candidate) may fall short of 1: what they
 * leave is "none of these", an outcome of the entropy, reported as `unsupported`. A reader that doubts its own
 * evidence (a title of another kind, a phrase that may be chance) says so here rather than renormalising the doubt
 * away.
 */
export function withNoneOfThese(candidates: Candidate[], probs: readonly number[]): ReaderResult {
  const none = 1 - probs.reduce((a, b) => a + b, 0);
  if (none <= 1e-9) return { candidates, entropy: entropy(probs), normalizedEntropy: normalizedEntropy(probs) };
  const outcomes = [...probs, none];
  return { candidates, entropy: entropy(outcomes), normalizedEntropy: normalizedEntropy(outcomes), unsupported: Number(none.toFixed(6)) };
}
