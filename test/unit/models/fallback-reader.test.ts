import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RagError } from '../../../src/core/errors.js';
import { RunContext } from '../../../src/core/run-context.js';
import { TextMemo } from '../../../src/core/text-memo.js';
import type { Passage } from '../../../src/core/types.js';
import { ExtractiveReader } from '../../../src/models/extractive-reader.js';
import { FallbackReader } from '../../../src/models/fallback-reader.js';
import { Reader, type ReaderEvent, type ReaderOutput } from '../../../src/models/reader.js';

const PASSAGES: Passage[] = [{ chunkId: 'a', docId: 'd1', text: 'Kilns fire clay at about 1200 degrees.', score: 2, tokens: 9 }];

/** A generator that writes `tokens` (streaming) and then fails with `error`, or waits for its context to end. */
class ScriptedGenerator extends Reader {
  readonly name = 'llm';
  protected override readonly stage = 'generate';
  override readonly streams = true;
  /** The deadline left in the context it was given, per call. */
  readonly budgets: number[] = [];

  constructor(
    private readonly error: RagError | 'hang',
    private readonly tokens: string[] = [],
  ) {
    super();
  }

  protected async doAnswer(_q: string, _p: readonly Passage[], ctx: RunContext): Promise<ReaderOutput> {
    return this.fail(ctx);
  }

  protected override async *doStream(_q: string, _p: readonly Passage[], ctx: RunContext): AsyncGenerator<{ type: 'token'; text: string }, ReaderOutput, undefined> {
    for (const text of this.tokens) yield { type: 'token', text };
    return this.fail(ctx);
  }

  private async fail(ctx: RunContext): Promise<never> {
    this.budgets.push(ctx.remainingMs());
    if (this.error !== 'hang') throw this.error;
    // Polled rather than awaited as an event: a pending listener alone does not keep a timeout signal from being
    // garbage-collected (Node holds AbortSignal.timeout weakly), and a collected one never fires.
    while (!ctx.signal.aborted) await sleep(5);
    ctx.check('generate.llm');
    throw new Error('unreachable: the signal aborted without a deadline');
  }
}

const readerOf = (primary: Reader, reserveMs = 50): FallbackReader => new FallbackReader(primary, new ExtractiveReader(new TextMemo()), { reserveMs });

async function streamAll(reader: Reader, ctx: RunContext): Promise<ReaderEvent[]> {
  const events: ReaderEvent[] = [];
  for await (const e of reader.stream('how hot is a kiln?', PASSAGES, ctx)) events.push(e);
  return events;
}

describe('FallbackReader', () => {
  it('gives the primary the deadline less the reserve, then answers with the fallback, flagged "timeout"', async () => {
    const primary = new ScriptedGenerator('hang');
    const ctx = new RunContext({ timeoutMs: 300 });
    const result = await readerOf(primary, 100).answer('how hot is a kiln?', PASSAGES, ctx);
    expect(primary.budgets[0]).toBeGreaterThan(150);
    expect(primary.budgets[0]).toBeLessThanOrEqual(200);
    expect(ctx.remainingMs()).toBeGreaterThan(0);
    expect(result.candidates[0]?.text).toBe('Kilns fire clay at about 1200 degrees.');
    expect(result.degraded).toMatchObject({ stage: 'generate', reason: 'llm timeout', fallback: 'extractive' });
    expect(ctx.trace.spans.map((s) => s.name)).toEqual(['generate.llm', 'read.extractive', 'generate.fallback']);
  });

  it('falls back when the primary is UNAVAILABLE, with its message', async () => {
    const result = await readerOf(new ScriptedGenerator(new RagError('UNAVAILABLE', 'LLM server at x is unreachable'))).answer('q kiln', PASSAGES, new RunContext());
    expect(result.degraded).toEqual({ stage: 'generate', reason: 'llm unavailable', fallback: 'extractive', message: 'LLM server at x is unreachable' });
  });

  it('puts no limit on the primary when the request has no deadline', async () => {
    const primary = new ScriptedGenerator(new RagError('UNAVAILABLE', 'down'));
    await readerOf(primary).answer('q kiln', PASSAGES, new RunContext());
    expect(primary.budgets[0]).toBe(Number.POSITIVE_INFINITY);
  });

  it.each([
    ['a rejected request (UPSTREAM_ERROR)', new RagError('UPSTREAM_ERROR', 'context length exceeded')],
    ['a bad request', new RagError('BAD_REQUEST', 'no')],
  ])('does not hide %s', async (_name, error) => {
    await expect(readerOf(new ScriptedGenerator(error)).answer('q', PASSAGES, new RunContext())).rejects.toBe(error);
  });

  it('does not hide an aborted request, nor one whose own deadline has passed', async () => {
    const controller = new AbortController();
    const aborted = new RunContext({ signal: controller.signal });
    controller.abort(new Error('client went away'));
    await expect(readerOf(new ScriptedGenerator(new RagError('UNAVAILABLE', 'down'))).answer('q', PASSAGES, aborted)).rejects.toMatchObject({ code: 'ABORTED' });
    expect(aborted.trace.spans.map((s) => s.name)).not.toContain('generate.fallback');
    // No reserve: the primary runs into the request's own deadline, so there is no time left to fall back in.
    const late = new RunContext({ timeoutMs: 50 });
    await expect(readerOf(new ScriptedGenerator('hang'), 0).answer('q', PASSAGES, late)).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('streams the fallback result when the primary failed before writing anything', async () => {
    const reader = readerOf(new ScriptedGenerator(new RagError('UNAVAILABLE', 'down')));
    expect(reader.streams).toBe(true);
    const events = await streamAll(reader, new RunContext());
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'result', result: { degraded: { reason: 'llm unavailable' } } });
  });

  it('does not fall back in a stream once the primary has written text: that text cannot be taken back', async () => {
    const error = new RagError('UNAVAILABLE', 'dropped the stream midway');
    await expect(streamAll(readerOf(new ScriptedGenerator(error, ['Kilns'])), new RunContext())).rejects.toBe(error);
  });
});
