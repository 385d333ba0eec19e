import type { MemoryReading } from './process-memory.js';

export interface RssGrowth {
  /** Median RSS of the first window of readings (taken after the warm-up). */
  start_mb: number;
  /** Median RSS of the last window of readings. */
  end_mb: number;
  max_mb: number;
  /** (end - start) / start, in percent. */
  growth_pct: number;
  /** Readings in each of the two windows. */
  window: number;
  /** The first and the last reading themselves. */
  first_mb: number;
  last_mb: number;
  /** Least-squares slope over all readings: a leak shows as a steady climb. */
  slope_mb_per_min: number;
  readings: number;
}

const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * How a process's RSS moved over a soak. V8's heap makes RSS a sawtooth (it climbs between major collections and
 * drops by a large step at each), so two single readings can differ by a whole tooth without any leak: start and
 * end are the medians of the first and last tenth of the readings (at least 3 each, fewer only when there are
 * fewer readings than that).
 */
export function rssGrowth(readings: readonly MemoryReading[]): RssGrowth {
  const first = readings[0];
  const last = readings[readings.length - 1];
  if (!first || !last) throw new Error('no memory readings: the soak took none');
  const window = Math.min(readings.length, Math.max(3, Math.round(readings.length / 10)));
  const rss = readings.map((r) => r.rssMb);
  const start = median(rss.slice(0, window));
  const end = median(rss.slice(-window));
  return {
    start_mb: round(start),
    end_mb: round(end),
    max_mb: Math.max(...rss),
    growth_pct: round(((end - start) / start) * 100, 2),
    window,
    first_mb: first.rssMb,
    last_mb: last.rssMb,
    slope_mb_per_min: round(slope(readings) * 60, 3),
    readings: readings.length,
  };
}

/** MiB per second of the least-squares line through (atS, rssMb); 0 with fewer than two distinct times. */
function slope(readings: readonly MemoryReading[]): number {
  const n = readings.length;
  const meanT = readings.reduce((s, r) => s + r.atS, 0) / n;
  const meanY = readings.reduce((s, r) => s + r.rssMb, 0) / n;
  let num = 0;
  let den = 0;
  for (const r of readings) {
    num += (r.atS - meanT) * (r.rssMb - meanY);
    den += (r.atS - meanT) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
