import type { RunContext } from '../core/run-context.js';
import type { MetadataFilter, Passage, PipelineResult, QueryPlan } from '../core/types.js';

/** What a pipeline tells a streaming caller before its result: the passages it answers from, then new text. */
export type PipelineEvent = { type: 'sources'; passages: Passage[] } | { type: 'token'; text: string };

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
    return ctx.span(`pipeline.${this.name}`, async () => withDegradation(await this.doRun(plan, options, ctx), ctx), (r) => ({
      passages: r.passages.length,
      abstained: r.abstained,
    }));
  }

  /**
   * Streams the run: the sources as soon as they are chosen (before any answer text), the answer's text as it is
   * written, and the result as the generator's return value. One span for the whole run, as `run` records.
   */
  async *stream(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext): AsyncGenerator<PipelineEvent, PipelineResult, undefined> {
    ctx.check(`pipeline.${this.name}`);
    const start = ctx.trace.now();
    try {
      const result = withDegradation(yield* this.doStream(plan, options, ctx), ctx);
      ctx.trace.record(`pipeline.${this.name}`, start, { passages: result.passages.length, abstained: result.abstained });
      return result;
    } catch (err) {
      ctx.trace.record(`pipeline.${this.name}`, start, { error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  protected abstract doRun(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext): Promise<PipelineResult>;

  /** By default: run, then report the sources and the answer at once. */
  protected async *doStream(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext): AsyncGenerator<PipelineEvent, PipelineResult, undefined> {
    const result = await this.doRun(plan, options, ctx);
    yield { type: 'sources', passages: result.passages };
    if (!result.abstained) yield { type: 'token', text: result.answer };
    return result;
  }
}

/** A result that does not say it degraded, though a stage before its reader fell back (the reranker), says so now. */
function withDegradation(result: PipelineResult, ctx: RunContext): PipelineResult {
  const first = ctx.degradations[0];
  return result.degraded || first === undefined ? result : { ...result, degraded: first };
}
