import type { RunContext } from '../core/run-context.js';
import type { RetrieveOptions, ScoredChunk } from '../core/types.js';

/**
 * A retriever: the public method records the stage in the trace and honours the signal; implementations only
 * provide `doRetrieve`.
 */
export abstract class Retriever {
  abstract readonly name: string;

  async retrieve(query: string, options: RetrieveOptions, ctx: RunContext): Promise<ScoredChunk[]> {
    return ctx.span(`retrieve.${this.name}`, () => this.doRetrieve(query, options, ctx), (hits) => ({
      k: options.k,
      hits: hits.length,
    }));
  }

  protected abstract doRetrieve(query: string, options: RetrieveOptions, ctx: RunContext): Promise<ScoredChunk[]> | ScoredChunk[];
}
