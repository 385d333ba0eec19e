import { describe, expect, it } from 'vitest';
import { confidenceBuckets, riskCoverage } from '../../../src/eval/calibration.js';

describe('calibration', () => {
  const items = [
    { confidence: 0.95, correct: 1 },
    { confidence: 0.9, correct: 1 },
    { confidence: 0.55, correct: 1 },
    { confidence: 0.5, correct: 0 },
    { confidence: 0.1, correct: 0 },
    { confidence: 1, correct: 0 },
  ];

  it('groups accuracy by confidence bucket, leaving empty buckets out', () => {
    const buckets = confidenceBuckets(items, 5);
    expect(buckets.map((b) => [b.from, b.count])).toEqual([
      [0, 1],
      [0.4, 2],
      [0.8, 3],
    ]);
    expect(buckets[2]?.accuracy).toBeCloseTo(2 / 3, 10);
    expect(buckets[1]?.meanConfidence).toBeCloseTo(0.525, 10);
  });

  it('gives the accuracy of the most confident share of answers', () => {
    const curve = riskCoverage(items, 2);
    // Top half by confidence: 1.0 (wrong), 0.95, 0.9 (right) -> 2/3; all -> 3/6.
    expect(curve).toEqual([
      { coverage: 0.5, accuracy: 2 / 3 },
      { coverage: 1, accuracy: 0.5 },
    ]);
  });
});
