/**
 * Which of the question's terms (by index) a sentence holds within its best window of `width` consecutive terms: the
 * one whose terms weigh most. Question terms that stand together (within a clause) speak of one thing; the same terms
 * spread over a long sentence are more often incidental mentions ("an outage of Redis" early, "down" of another
 * service far later).
 */
export function nearestWindow(
  terms: readonly string[],
  termIndex: ReadonlyMap<string, number>,
  weights: readonly number[],
  width: number,
): Uint8Array {
  const at = terms.map((t) => termIndex.get(t));
  const counts = new Uint16Array(weights.length);
  let sum = 0;
  let best = -1;
  let bestStart = 0;
  for (let i = 0; i < at.length; i++) {
    const entering = at[i];
    if (entering !== undefined) {
      if (counts[entering] === 0) sum += weights[entering] ?? 0;
      counts[entering] = (counts[entering] ?? 0) + 1;
    }
    const leaving = i >= width ? at[i - width] : undefined;
    if (leaving !== undefined) {
      counts[leaving] = (counts[leaving] ?? 1) - 1;
      if (counts[leaving] === 0) sum -= weights[leaving] ?? 0;
    }
    // Strictly more: the earliest of equal windows, so ties do not depend on float noise.
    if (sum > best + 1e-9) {
      best = sum;
      bestStart = Math.max(0, i - width + 1);
    }
  }
  const has = new Uint8Array(weights.length);
  for (let i = bestStart; i < Math.min(at.length, bestStart + width); i++) {
    const t = at[i];
    if (t !== undefined) has[t] = 1;
  }
  return has;
}
