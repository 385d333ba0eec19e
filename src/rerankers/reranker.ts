import type { RunContext } from '../core/run-context.js';
import type { ScoredChunk } from '../core/types.js';

/** A reranker: the public method records the stage; implementations provide `doRerank`. */
export abstract class Reranker {
  abstract readonly name: string;

  async rerank(query: string, chunks: ScoredChunk[], options: { k: number }, ctx: RunContext): Promise<ScoredChunk[]> {
    return ctx.span(`rerank.${this.name}`, () => this.doRerank(query, chunks, options, ctx), (out) => ({
      in: chunks.length,
      out: out.length,
    }));
  }

  protected abstract doRerank(query: string, chunks: ScoredChunk[], options: { k: number }, ctx: RunContext): Promise<ScoredChunk[]> | ScoredChunk[];
}
