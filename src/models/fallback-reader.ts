import type { RunContext } from '../core/run-context.js';
import { budgetBefore, standInFor } from '../core/stand-in.js';
import type { Degradation, Passage, ReaderResult } from '../core/types.js';
import { Reader, type ReaderEvent, type ReaderOutput } from './reader.js';

export interface FallbackReaderOptions {
  /**
   * Milliseconds of the request's deadline kept for the fallback: the primary is given up on that long before
   * the deadline, so the fallback's answer still arrives in time.
   */
  reserveMs: number;
}

/**
 * A reader with a stand-in (the LLM generator, with the extractive reader behind it): when the primary does not
 * answer before the request's deadline less `reserveMs` (a hung or slow server), or is unavailable (unreachable,
 * failing after its retries), the fallback answers from the same passages and the result carries `degraded`,
 * naming the stage, the reason and the fallback. A "<stage>.fallback" span and a warning record it. Anything
 * else (the request aborted or past its own deadline, a server rejecting the request) is not hidden.
 *
 * A stream falls back only while the primary has written nothing: text already sent cannot be taken back, so a
 * failure after the first token is the stream's error.
 */
export class FallbackReader extends Reader {
  readonly name: string;
  override readonly streams: boolean;

  constructor(
    private readonly primary: Reader,
    private readonly fallback: Reader,
    private readonly options: FallbackReaderOptions,
  ) {
    super();
    this.name = primary.name;
    this.streams = primary.streams;
  }

  /** The primary's span: the fallback's own is recorded as `<stage>.fallback`. */
  override get spanName(): string {
    return this.primary.spanName;
  }

  override async answer(query: string, passages: readonly Passage[], ctx: RunContext): Promise<ReaderResult> {
    return (await this.doAnswer(query, passages, ctx)).result;
  }

  override async *stream(query: string, passages: readonly Passage[], ctx: RunContext): AsyncGenerator<ReaderEvent, void, undefined> {
    const budget = budgetBefore(ctx, this.options.reserveMs);
    let wrote = false;
    try {
      for await (const event of this.primary.stream(query, passages, ctx.child(budget))) {
        if (event.type === 'token') wrote = true;
        yield event;
      }
    } catch (err) {
      const degraded = wrote ? null : this.degradationOf(err, ctx, budget);
      if (!degraded) throw err;
      yield { type: 'result', result: await this.fallBack(query, passages, ctx, degraded) };
    }
  }

  protected async doAnswer(query: string, passages: readonly Passage[], ctx: RunContext): Promise<ReaderOutput> {
    const budget = budgetBefore(ctx, this.options.reserveMs);
    try {
      return { result: await this.primary.answer(query, passages, ctx.child(budget)) };
    } catch (err) {
      const degraded = this.degradationOf(err, ctx, budget);
      if (!degraded) throw err;
      return { result: await this.fallBack(query, passages, ctx, degraded) };
    }
  }

  /** Why the fallback may answer, or null when the error must reach the caller. */
  private degradationOf(err: unknown, ctx: RunContext, budget: number | undefined): Degradation | null {
    return standInFor(err, ctx, {
      stage: this.primary.spanName.split('.')[0] ?? 'read',
      primary: this.primary.name,
      fallback: this.fallback.name,
      budgetMs: budget,
      reserveMs: this.options.reserveMs,
      keptFor: 'the fallback',
      who: `the ${this.primary.name} reader`,
    });
  }

  private async fallBack(query: string, passages: readonly Passage[], ctx: RunContext, degraded: Degradation): Promise<ReaderResult> {
    ctx.log.warn({ ...degraded }, `${degraded.reason}: answering with the ${degraded.fallback} reader`);
    const result = await ctx.span(`${degraded.stage}.fallback`, () => this.fallback.answer(query, passages, ctx), (r) => ({
      from: this.primary.name,
      to: degraded.fallback,
      reason: degraded.reason,
      candidates: r.candidates.length,
    }));
    return { ...result, degraded };
  }
}
