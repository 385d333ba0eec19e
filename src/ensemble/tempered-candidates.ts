import type { Candidate } from '../core/types.js';

/**
 * A member's candidate distribution at a temperature: p_i^(1/T), renormalised over its candidates. The readers'
 * softmax distributions are sharper than their accuracy (a reader gives 0.9 to answers right far less often
 * than 9 times in 10), so at T > 1 one member's near-certainty no longer outvotes several members that
 * agree; T = 1 leaves the distribution as it is. Only the vote sees the tempered distribution: the member's
 * weight still comes from the entropy it reported.
 */
export function temperedCandidates(candidates: readonly Candidate[], temperature: number): Candidate[] {
  if (temperature === 1 || candidates.length === 0) return [...candidates];
  const raised = candidates.map((c) => (c.prob > 0 ? Math.pow(c.prob, 1 / temperature) : 0));
  const sum = raised.reduce((a, b) => a + b, 0);
  if (sum <= 0) return [...candidates];
  return candidates.map((c, i) => ({ ...c, prob: (raised[i] ?? 0) / sum }));
}
