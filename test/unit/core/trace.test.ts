import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Trace } from '../../../src/core/trace.js';

describe('Trace', () => {
  it('records a span with start offset, duration and attributes', async () => {
    const trace = new Trace();
    await sleep(5);
    const start = trace.now();
    await sleep(10);
    const span = trace.record('work', start, { hits: 3 });
    expect(span.name).toBe('work');
    expect(span.at).toBeGreaterThanOrEqual(4);
    expect(span.ms).toBeGreaterThanOrEqual(8);
    expect(span.attrs).toEqual({ hits: 3 });
    expect(trace.spans).toEqual([span]);
  });

  it('leaves attrs out when none are given', () => {
    const trace = new Trace();
    const span = trace.record('x', trace.now());
    expect('attrs' in span).toBe(false);
  });

  it('rounds times to microseconds', () => {
    const trace = new Trace();
    const span = trace.record('x', 0.123456789);
    expect(span.at).toBe(0.123);
    expect(Math.round(span.ms * 1000)).toBe(span.ms * 1000);
  });

  it('serialises to totalMs and spans; totalMs grows with time', async () => {
    const trace = new Trace();
    trace.record('a', trace.now());
    await sleep(5);
    const json = trace.toJSON();
    expect(json.spans).toHaveLength(1);
    expect(json.totalMs).toBeGreaterThanOrEqual(4);
    expect(JSON.parse(JSON.stringify(trace))).toEqual({ totalMs: expect.any(Number), spans: json.spans });
  });
});
