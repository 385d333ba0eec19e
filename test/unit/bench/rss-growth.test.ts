import { describe, expect, it } from 'vitest';
import type { MemoryReading } from '../../../bench/process-memory.js';
import { rssGrowth } from '../../../bench/rss-growth.js';

/** Readings every 5 s of a V8-like sawtooth: +4 MiB per reading from `floor`, back to `floor` every 6 readings. */
function sawtooth(count: number, floor: (i: number) => number): MemoryReading[] {
  return Array.from({ length: count }, (_, i) => ({ atS: i * 5, rssMb: floor(i) + (i % 6) * 4, peakMb: 0 }));
}

describe('rssGrowth', () => {
  it('does not mistake a sawtooth for growth when the readings start at a trough and end at a peak', () => {
    // 120 readings (10 minutes): the first is a trough (400) and the last a peak (420), a +5% pair by itself.
    const r = rssGrowth(sawtooth(120, () => 400));
    expect(r.first_mb).toBe(400);
    expect(r.last_mb).toBe(420);
    expect(r.window).toBe(12);
    expect(Math.abs(r.growth_pct)).toBeLessThan(1.5);
    expect(r.max_mb).toBe(420);
    expect(Math.abs(r.slope_mb_per_min)).toBeLessThan(0.2);
  });

  it('reports a steady leak as growth and as a positive slope', () => {
    // The floor climbs 1 MiB per reading: 119 MiB over 10 minutes.
    const r = rssGrowth(sawtooth(120, (i) => 400 + i));
    expect(r.growth_pct).toBeGreaterThan(25);
    expect(r.growth_pct).toBeLessThan(30);
    expect(r.slope_mb_per_min).toBeCloseTo(12, 0);
  });

  it('uses at least three readings per window, and all of them when there are fewer', () => {
    expect(rssGrowth(sawtooth(20, () => 100)).window).toBe(3);
    const two = rssGrowth([
      { atS: 0, rssMb: 100, peakMb: 100 },
      { atS: 5, rssMb: 110, peakMb: 110 },
    ]);
    expect(two.window).toBe(2);
    expect(two.growth_pct).toBe(0);
  });

  it('refuses an empty soak rather than reporting 0%', () => {
    expect(() => rssGrowth([])).toThrow(/no memory readings/);
  });
});
