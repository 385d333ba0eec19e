import type { RunContext } from '../core/run-context.js';
import { budgetBefore, standInFor } from '../core/stand-in.js';
import type { ScoredChunk } from '../core/types.js';

/**
 * A model reranker's stand-in, as the LLM reranker's: when the model is unavailable (after its retries) or does not
 * answer `reserveMs` before the request's deadline, the retrieval order stands and the answer says so in `degraded`.
 */
export interface RerankerFallback {
  reserveMs: number;
}

/** Orders a stand-in gave (the retrieval order kept): an ensemble of rerankers leaves them out of its vote. */
const KEPT_RETRIEVAL_ORDER = new WeakSet<readonly ScoredChunk[]>();

/** Whether a reranker's answer is its stand-in's, the retrieval order kept because its model failed. */
export function keptRetrievalOrder(ranked: readonly ScoredChunk[]): boolean {
  return KEPT_RETRIEVAL_ORDER.has(ranked);
}

/** A stand-in's answer: the retrieval order, cut to k and marked as kept (see `keptRetrievalOrder`). */
export function keepRetrievalOrder(chunks: readonly ScoredChunk[], k: number): ScoredChunk[] {
  const kept = chunks.slice(0, k);
  KEPT_RETRIEVAL_ORDER.add(kept);
  return kept;
}

/** A reranker: the public method records the stage; implementations provide `doRerank`. */
export abstract class Reranker {
  abstract readonly name: string;

  /** The stand-in for a model that fails; none by default (the LLM reranker handles its own). */
  protected get fallback(): RerankerFallback | undefined {
    return undefined;
  }

  async rerank(query: string, chunks: ScoredChunk[], options: { k: number }, ctx: RunContext): Promise<ScoredChunk[]> {
    return ctx.span(`rerank.${this.name}`, () => this.rerankOrStandIn(query, chunks, options, ctx), (out) => ({
      in: chunks.length,
      out: out.length,
    }));
  }

  private async rerankOrStandIn(query: string, chunks: ScoredChunk[], options: { k: number }, ctx: RunContext): Promise<ScoredChunk[]> {
    const fallback = this.fallback;
    if (!fallback) return this.doRerank(query, chunks, options, ctx);
    const budget = budgetBefore(ctx, fallback.reserveMs);
    try {
      return await this.doRerank(query, chunks, options, ctx.child(budget));
    } catch (err) {
      const who = `reranker "${this.name}"`;
      const degraded = standInFor(err, ctx, { stage: 'rerank', primary: this.name, fallback: 'retrieval order', budgetMs: budget, reserveMs: fallback.reserveMs, keptFor: 'the rest', who });
      // The request's own abort or deadline, or a request the model refused (a wrong key): the caller's error.
      if (!degraded) throw err;
      ctx.degradations.push(degraded);
      ctx.log.warn({ ...degraded }, `${degraded.reason}: ${who} kept the retrieval order`);
      ctx.trace.record(`rerank.${this.name}.fallback`, ctx.trace.now(), { reason: degraded.reason, warning: degraded.message });
      return keepRetrievalOrder(chunks, options.k);
    }
  }

  protected abstract doRerank(query: string, chunks: ScoredChunk[], options: { k: number }, ctx: RunContext): Promise<ScoredChunk[]> | ScoredChunk[];
}
