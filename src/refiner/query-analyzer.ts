import type { RunContext } from '../core/run-context.js';

/**
 * Dual-level query analysis (LongRefiner): alpha in [0, 1], how much the query needs a global view of a document
 * (1: an overview, a comparison) rather than a local detail (0: one fact). The public method records a span.
 */
export abstract class QueryAnalyzer {
  abstract readonly name: string;

  async analyze(query: string, ctx: RunContext): Promise<number> {
    return ctx.span(`refine.analyze.${this.name}`, () => this.doAnalyze(query, ctx), (alpha) => ({ alpha }));
  }

  protected abstract doAnalyze(query: string, ctx: RunContext): Promise<number> | number;
}
