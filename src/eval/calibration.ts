/** How well confidence predicts correctness: accuracy by confidence bucket and the risk-coverage curve. */

export interface Scored {
  confidence: number;
  /** 1 when the answer counts as correct (e.g. acc or F1 >= 0.5), 0 otherwise; fractions allowed. */
  correct: number;
}

export interface Bucket {
  from: number;
  to: number;
  count: number;
  accuracy: number;
  meanConfidence: number;
}

/** Equal-width confidence buckets over [0, 1]; empty buckets are left out. */
export function confidenceBuckets(items: readonly Scored[], buckets = 5): Bucket[] {
  const out: Bucket[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = b / buckets;
    const to = (b + 1) / buckets;
    const inside = items.filter((i) => i.confidence >= from && (b === buckets - 1 ? i.confidence <= to : i.confidence < to));
    if (inside.length === 0) continue;
    out.push({
      from,
      to,
      count: inside.length,
      accuracy: inside.reduce((s, i) => s + i.correct, 0) / inside.length,
      meanConfidence: inside.reduce((s, i) => s + i.confidence, 0) / inside.length,
    });
  }
  return out;
}

/**
 * Expected calibration error: |accuracy - mean confidence| per equal-width bin, weighted by the bin's share of the
 * answers (10 bins, the usual choice). 0 when every confidence is the accuracy of the answers given it.
 */
export function expectedCalibrationError(items: readonly Scored[], bins = 10): number {
  if (items.length === 0) return 0;
  return confidenceBuckets(items, bins).reduce((sum, b) => sum + (b.count / items.length) * Math.abs(b.accuracy - b.meanConfidence), 0);
}

/** Brier score: the mean squared gap between confidence and correctness (0 is perfect; always 0.5 scores 0.25). */
export function brierScore(items: readonly Scored[]): number {
  if (items.length === 0) return 0;
  return items.reduce((sum, i) => sum + (i.confidence - i.correct) ** 2, 0) / items.length;
}

/**
 * The most confident `share` of the answers (at least one; n * share rounded to the nearest whole answer). The one
 * definition behind both the risk-coverage points and "the most confident half", so a report never shows two
 * figures for the same half.
 */
export function mostConfident<T extends { confidence: number }>(items: readonly T[], share: number): T[] {
  const sorted = [...items].sort((a, b) => b.confidence - a.confidence);
  return sorted.slice(0, Math.max(1, Math.round(sorted.length * share)));
}

/** Accuracy of the most confident x of the answers, for x = 10%, 20%, ... 100%. */
export function riskCoverage(items: readonly Scored[], steps = 10): Array<{ coverage: number; accuracy: number }> {
  const out: Array<{ coverage: number; accuracy: number }> = [];
  for (let s = 1; s <= steps; s++) {
    const top = mostConfident(items, s / steps);
    out.push({ coverage: s / steps, accuracy: top.length === 0 ? 0 : top.reduce((sum, i) => sum + i.correct, 0) / top.length });
  }
  return out;
}
