import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import { Trace } from '../../../src/core/trace.js';
import { ragErrorOf, ragErrorOfAsync } from '../../helpers/errors.js';

/** V8's full collection, without starting the test process with --expose-gc. */
setFlagsFromString('--expose_gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('RunContext.span', () => {
  it('records the stage name, its time and attributes of the result', async () => {
    const ctx = new RunContext();
    const result = await ctx.span(
      'stage.one',
      async () => {
        await sleep(15);
        return [1, 2, 3];
      },
      (r) => ({ n: r.length }),
    );
    expect(result).toEqual([1, 2, 3]);
    expect(ctx.trace.spans).toHaveLength(1);
    const span = ctx.trace.spans[0];
    expect(span?.name).toBe('stage.one');
    // Timers may fire a hair early; 10 ms of a 15 ms sleep is a safe floor.
    expect(span?.ms).toBeGreaterThanOrEqual(10);
    expect(span?.attrs).toEqual({ n: 3 });
  });

  it('records a span with the error even when the stage throws, and rethrows', async () => {
    const ctx = new RunContext();
    const boom = new Error('boom');
    await expect(
      ctx.span('stage.fail', async () => {
        await sleep(5);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(ctx.trace.spans).toHaveLength(1);
    expect(ctx.trace.spans[0]?.name).toBe('stage.fail');
    expect(ctx.trace.spans[0]?.ms).toBeGreaterThan(0);
    expect(ctx.trace.spans[0]?.attrs).toEqual({ error: 'boom' });
  });

  it('records synchronous throws too, with non-Error values stringified', async () => {
    const ctx = new RunContext();
    await expect(
      ctx.span('sync', () => {
        throw 'plain string';
      }),
    ).rejects.toBe('plain string');
    expect(ctx.trace.spans[0]).toMatchObject({ name: 'sync', attrs: { error: 'plain string' } });
  });

  it('keeps spans in order on a shared trace', async () => {
    const trace = new Trace();
    const ctx = new RunContext({ trace });
    await ctx.span('a', () => 1);
    await ctx.span('b', () => 2);
    expect(ctx.trace).toBe(trace);
    expect(trace.spans.map((s) => s.name)).toEqual(['a', 'b']);
    expect(trace.spans[1]?.at).toBeGreaterThanOrEqual(trace.spans[0]?.at ?? Infinity);
  });

  it('does not run a stage once the request was aborted', async () => {
    const controller = new AbortController();
    const ctx = new RunContext({ signal: controller.signal });
    controller.abort();
    let ran = false;
    const err = await ragErrorOfAsync(() =>
      ctx.span('late', () => {
        ran = true;
      }),
    );
    expect(err.code).toBe('ABORTED');
    expect(err.message).toContain('late');
    expect(ran).toBe(false);
  });
});

describe('RunContext.check', () => {
  it('takes a fractional timeout (a share of the time left) as whole milliseconds', async () => {
    const parent = new RunContext({ timeoutMs: 101 });
    const child = parent.child(parent.remainingMs() / 2);
    expect(child.remainingMs()).toBeLessThanOrEqual(51);
    await new Promise((resolve) => child.signal.addEventListener('abort', resolve, { once: true }));
    expect(() => child.check('stage')).toThrow(/deadline exceeded during stage/);
    expect(parent.signal.aborted).toBe(false);
  });

  it('passes with no deadline and no abort', () => {
    const ctx = new RunContext();
    expect(() => ctx.check('x')).not.toThrow();
    expect(ctx.remainingMs()).toBe(Number.POSITIVE_INFINITY);
  });

  it('throws DEADLINE_EXCEEDED once timeoutMs has passed', async () => {
    const ctx = new RunContext({ timeoutMs: 30 });
    expect(() => ctx.check('early')).not.toThrow();
    expect(ctx.remainingMs()).toBeGreaterThan(0);
    expect(ctx.remainingMs()).toBeLessThanOrEqual(30);
    await sleep(50);
    const err = ragErrorOf(() => ctx.check('retrieve'));
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(err.statusCode).toBe(504);
    expect(err.message).toContain('retrieve');
    expect(ctx.remainingMs()).toBeLessThanOrEqual(0);
  });

  it('throws DEADLINE_EXCEEDED (not ABORTED) when the timeout signal fired', async () => {
    const controller = new AbortController();
    const ctx = new RunContext({ signal: controller.signal, timeoutMs: 20 });
    await sleep(40);
    expect(ctx.signal.aborted).toBe(true);
    expect(ragErrorOf(() => ctx.check()).code).toBe('DEADLINE_EXCEEDED');
  });

  it('aborts its signal at the deadline even when a garbage collection ran in between', async () => {
    // AbortSignal.any and the timer of AbortSignal.timeout hold the timeout signal weakly: unless the context holds
    // it, a collection drops it and a call waiting on the signal (an LLM that hangs) is never cut.
    const ctx = new RunContext({ timeoutMs: 40 });
    const child = ctx.child(30);
    // WeakRef targets survive the job that made them: collect from a later one.
    await sleep(1);
    collectGarbage();
    await sleep(100);
    expect(child.signal.aborted).toBe(true);
    expect(ctx.signal.aborted).toBe(true);
  });

  it('throws ABORTED when an external AbortController aborts', () => {
    const controller = new AbortController();
    const ctx = new RunContext({ signal: controller.signal, timeoutMs: 60_000 });
    expect(() => ctx.check()).not.toThrow();
    controller.abort();
    expect(ctx.signal.aborted).toBe(true);
    const err = ragErrorOf(() => ctx.check('rerank'));
    expect(err.code).toBe('ABORTED');
    expect(err.statusCode).toBe(499);
    expect(err.message).toContain('rerank');
  });
});

describe('RunContext.within', () => {
  it('gives the shared work\'s result when it comes first', async () => {
    expect(await new RunContext({ timeoutMs: 1000 }).within(sleep(10).then(() => 'set up'), 'setup')).toBe('set up');
  });

  it('stops waiting at the deadline or an abort, and leaves the work running for others', async () => {
    let done = false;
    const work = sleep(200).then(() => {
      done = true;
      return 'set up';
    });
    const late = await ragErrorOfAsync(() => new RunContext({ timeoutMs: 30 }).within(work, 'search'));
    expect(late.code).toBe('DEADLINE_EXCEEDED');
    expect(late.message).toContain('search');
    const controller = new AbortController();
    const gone = new RunContext({ signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    expect((await ragErrorOfAsync(() => gone.within(work, 'search'))).code).toBe('ABORTED');
    expect(done).toBe(false);
    expect(await work).toBe('set up');
  });
});
