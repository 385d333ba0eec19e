/**
 * Member weights w_i proportional to exp(-beta * H_i), normalised to sum to 1 (DESIGN, "Ensemble"): a member sure
 * of its answer (low entropy) counts more. H is the normalised entropy, in [0, 1] for readers and LLMs alike, so
 * members of different kinds are comparable.
 */
export function entropyWeights(entropies: readonly number[], beta: number): number[] {
  if (entropies.length === 0) return [];
  const raw = entropies.map((h) => Math.exp(-beta * (Number.isFinite(h) ? h : 1)));
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((r) => r / sum);
}
