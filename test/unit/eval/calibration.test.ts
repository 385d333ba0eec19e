import { describe, expect, it } from 'vitest';
import { brierScore, confidenceBuckets, expectedCalibrationError, mostConfident, riskCoverage } from '../../../src/eval/calibration.js';

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

  it('measures the calibration error: 0 when confidence is the accuracy, the gap when it is not', () => {
    const calibrated = [0.25, 0.25, 0.25, 0.25].map((confidence, i) => ({ confidence, correct: i === 0 ? 1 : 0 }));
    expect(expectedCalibrationError(calibrated)).toBeCloseTo(0, 10);
    // Sure of everything, right half the time: off by 0.5; unsure (0.5) of answers all right: off by 0.5.
    expect(expectedCalibrationError([{ confidence: 1, correct: 1 }, { confidence: 1, correct: 0 }])).toBeCloseTo(0.5, 10);
    expect(expectedCalibrationError([{ confidence: 0.5, correct: 1 }, { confidence: 0.55, correct: 1 }])).toBeCloseTo(0.475, 10);
    expect(brierScore([{ confidence: 1, correct: 1 }, { confidence: 0.5, correct: 0 }])).toBeCloseTo(0.125, 10);
    expect(expectedCalibrationError([])).toBe(0);
  });

  it('has one "most confident half": the risk-coverage point at 0.5, also for an odd count', () => {
    // 131 answers: 0.5954 over 66 (the curve, rounded) and 0.6000 over 65 (floored) were both reported as the half.
    const odd = Array.from({ length: 131 }, (_v, i) => ({ confidence: 1 - i / 131, correct: i % 5 < 3 ? 1 : 0 }));
    const half = mostConfident(odd, 0.5);
    expect(half).toHaveLength(66);
    const accuracy = half.reduce((sum, i) => sum + i.correct, 0) / half.length;
    expect(riskCoverage(odd).find((p) => p.coverage === 0.5)?.accuracy).toBe(accuracy);
  });
});
