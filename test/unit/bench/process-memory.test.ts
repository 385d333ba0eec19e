import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemorySampler, readProcessMemory } from '../../../bench/process-memory.js';

describe.runIf(existsSync('/proc/self/status'))('readProcessMemory', () => {
  it("reads this process's RSS and its peak from /proc, peak >= current", () => {
    const m = readProcessMemory(process.pid);
    const rssBytes = process.memoryUsage().rss;
    // Same quantity as Node's own figure, give or take what moved between the two reads.
    expect(Math.abs(m.rssMb * 2 ** 20 - rssBytes) / rssBytes).toBeLessThan(0.2);
    expect(m.peakMb).toBeGreaterThanOrEqual(m.rssMb);
  });

  it('names the process and /proc when the process does not exist', () => {
    expect(() => readProcessMemory(2 ** 22 + 12345)).toThrow(/\/proc\/\d+\/status/);
  });

  it('samples on an interval and takes a last reading on stop', async () => {
    const seen: number[] = [];
    const sampler = new MemorySampler(process.pid, 20, (r) => seen.push(r.atS));
    const first = sampler.start();
    expect(first.atS).toBe(0);
    await new Promise((res) => setTimeout(res, 110));
    const last = sampler.stop();
    expect(sampler.readings.length).toBeGreaterThanOrEqual(3);
    expect(sampler.readings.at(-1)).toBe(last);
    expect(seen).toEqual(sampler.readings.map((r) => r.atS));
  });
});
