/** Softmax with a temperature; stable for large scores. */
export function softmax(scores: readonly number[], temperature = 1): number[] {
  if (scores.length === 0) return [];
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp((s - max) / temperature));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Shannon entropy in nats. */
export function entropy(probs: readonly number[]): number {
  return -probs.reduce((h, p) => (p > 0 ? h + p * Math.log(p) : h), 0);
}

/** Entropy over its maximum log(n): 0 for certainty, 1 for a uniform distribution; 0 for a single outcome. */
export function normalizedEntropy(probs: readonly number[]): number {
  // Clamped: floating-point sums put a uniform distribution at 1.0000000000000002.
  return probs.length <= 1 ? 0 : Math.min(1, entropy(probs) / Math.log(probs.length));
}
