import { isRagError } from '../core/errors.js';
import type { RunContext } from '../core/run-context.js';
import type { RetrieveOptions, ScoredChunk } from '../core/types.js';
import { Retriever } from './retriever.js';

/**
 * A retriever with a stand-in: when the primary is unavailable (its backend unreachable, overloaded or failing:
 * code UNAVAILABLE), the fallback answers instead. The response says so: a "retrieve.fallback" span in the trace
 * names both and the reason, the hits carry the fallback's `source`, and a warning is logged. Any other error
 * (a bad request, an abort, a deadline) is not hidden.
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
    try {
      return await this.primary.retrieve(query, options, ctx);
    } catch (err) {
      if (!isRagError(err) || err.code !== 'UNAVAILABLE') throw err;
      ctx.log.warn({ from: this.primary.name, to: this.fallback.name, reason: err.message }, 'retriever unavailable: falling back');
      return ctx.span('retrieve.fallback', () => this.fallback.retrieve(query, options, ctx), (hits) => ({
        from: this.primary.name,
        to: this.fallback.name,
        reason: err.message,
        hits: hits.length,
      }));
    }
  }
}
