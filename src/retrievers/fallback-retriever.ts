import { isRagError } from '../core/errors.js';
import type { RunContext } from '../core/run-context.js';
import type { RetrieveOptions, ScoredChunk } from '../core/types.js';
import { Retriever } from './retriever.js';

/** The share of the request's remaining time the primary may take: the rest is the fallback's. */
const PRIMARY_SHARE = 0.5;

/**
 * A retriever with a stand-in: when the primary is unavailable (its backend unreachable, overloaded or failing:
 * code UNAVAILABLE), or does not answer within its share of the request's remaining time (half), the fallback
 * answers instead. The response says so: a "retrieve.fallback" span in the trace names both and the reason, the
 * hits carry the fallback's `source`, and a warning is logged. Any other error (a bad request, an abort, the
 * request's own deadline) is not hidden. The request records a degradation (stage "retrieve"), so the response
 * says `degraded` and is not cached, and its later retrievals go to the fallback at once.
 */
export class FallbackRetriever extends Retriever {
  readonly name: string;

  constructor(
    private readonly primary: Retriever,
    private readonly fallback: Retriever,
  ) {
    super();
    this.name = `${primary.name}-or-${fallback.name}`;
  }

  protected async doRetrieve(query: string, options: RetrieveOptions, ctx: RunContext): Promise<ScoredChunk[]> {
    let reason: string;
    const earlier = ctx.degradations.find((d) => d.stage === 'retrieve' && d.reason.startsWith(`${this.primary.name} `));
    if (earlier) {
      // The request already fell back (another sub-query): a hung primary would cost its share again for nothing.
      reason = `${earlier.message} (earlier in this request)`;
    } else {
      const remaining = ctx.remainingMs();
      // A hung primary must leave the fallback time to answer: it gets a share of what is left, not all of it.
      const share = Number.isFinite(remaining) ? Math.max(0, Math.floor(remaining * PRIMARY_SHARE)) : undefined;
      try {
        return await this.primary.retrieve(query, options, ctx.child(share));
      } catch (err) {
        reason = this.fallbackReason(err, ctx, share);
      }
      // The answer says it was degraded (and is not cached): the next request may reach the primary again.
      ctx.degradations.push({
        stage: 'retrieve',
        reason: `${this.primary.name} ${/timed out|did not answer/.test(reason) ? 'timeout' : 'unavailable'}`,
        fallback: this.fallback.name,
        message: `${reason}; retrieved by ${this.fallback.name} instead`,
      });
    }
    ctx.log.warn({ from: this.primary.name, to: this.fallback.name, reason }, 'retriever unavailable: falling back');
    return ctx.span('retrieve.fallback', () => this.fallback.retrieve(query, options, ctx), (hits) => ({
      from: this.primary.name,
      to: this.fallback.name,
      reason,
      hits: hits.length,
    }));
  }

  /** Why the fallback answers, or the primary's error rethrown when it is not one to fall back on. */
  private fallbackReason(err: unknown, ctx: RunContext, share: number | undefined): string {
    if (!isRagError(err)) throw err;
    if (err.code === 'UNAVAILABLE') return err.message;
    // The primary's share ran out while the request still has time: a hung backend, as good as unavailable.
    if (err.code === 'DEADLINE_EXCEEDED' && !ctx.signal.aborted && ctx.remainingMs() > 0) {
      return `${this.primary.name} did not answer within its share of the request's remaining time (${share ?? 0} ms)`;
    }
    throw err;
  }
}
