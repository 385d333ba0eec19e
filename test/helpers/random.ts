// The project's own seeded PRNG, so tests and the noise generator draw from one implementation.
export { mulberry32 } from '../../src/eval/seeded-random.js';

/** Integer in [0, n). */
export const randInt = (rnd: () => number, n: number): number => Math.floor(rnd() * n);

/** A sampler of indices 0..size-1 with Zipf-like probabilities 1/(i+1)^s. */
export function zipfSampler(rnd: () => number, size: number, s: number): () => number {
  const weights = Array.from({ length: size }, (_, i) => 1 / Math.pow(i + 1, s));
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf: number[] = [];
  let acc = 0;
  for (const w of weights) {
    acc += w / total;
    cdf.push(acc);
  }
  return () => {
    const r = rnd();
    let lo = 0;
    let hi = size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] ?? 1) < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
