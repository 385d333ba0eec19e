import type { RunContext } from '../core/run-context.js';
import type { MetadataFilter, PipelineResult, QueryPlan } from '../core/types.js';

/** Per-request knobs a caller may set on top of the pipeline's configuration. */
export interface PipelineRunOptions {
  /** Chunks to retrieve (overrides the pipeline's retrieveK). */
  k?: number;
  filter?: MetadataFilter;
  contextTokens?: number;
}

/** A pipeline: the public method records the run in the trace; kinds implement `doRun`. */
export abstract class Pipeline {
  abstract readonly kind: string;

  constructor(readonly name: string) {}

  async run(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext): Promise<PipelineResult> {
    return ctx.span(`pipeline.${this.name}`, () => this.doRun(plan, options, ctx), (r) => ({
      passages: r.passages.length,
      abstained: r.abstained,
    }));
  }

  protected abstract doRun(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext): Promise<PipelineResult>;
}
