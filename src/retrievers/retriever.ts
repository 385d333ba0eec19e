import type { RunContext } from '../core/run-context.js';
import type { RetrieveOptions, ScoredChunk } from '../core/types.js';

/**
 * A retriever: the public method records the stage in the trace and honours the signal; implementations only
 * provide `doRetrieve`.
 */
export abstract class Retriever {
  abstract readonly name: string;
  /**
   * True when `retrieve` does its work on the calling thread before it returns (in-memory BM25), so a fusion of
   * several retrievers starts the others first and their I/O overlaps it.
   */
  readonly synchronous: boolean = false;

  async retrieve(query: string, options: RetrieveOptions, ctx: RunContext): Promise<ScoredChunk[]> {
    return ctx.span(`retrieve.${this.name}`, () => this.doRetrieve(query, options, ctx), (hits) => ({
      k: options.k,
      hits: hits.length,
    }));
  }

  protected abstract doRetrieve(query: string, options: RetrieveOptions, ctx: RunContext): Promise<ScoredChunk[]> | ScoredChunk[];
}
