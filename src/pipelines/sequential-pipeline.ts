import { RagError } from '../core/errors.js';
import type { RunContext } from '../core/run-context.js';
import type { PipelineResult, QueryPlan, ReaderResult } from '../core/types.js';
import type { PipelineEvent, PipelineRunOptions } from './pipeline.js';
import { pipelineResult } from './pipeline-result.js';
import { StagedPipeline } from './staged-pipeline.js';

export { NO_ANSWER } from './pipeline-result.js';
export type { PipelineDeps as SequentialPipelineDeps } from './pipeline-stages.js';

/** The base pipeline: retrieve -> rerank (optional) -> budgeted context -> read -> answer with citations. */
export class SequentialPipeline extends StagedPipeline {
  readonly kind = 'sequential';

  protected async doRun(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext): Promise<PipelineResult> {
    const passages = await this.stages.context(plan, options, ctx);
    return pipelineResult(this.name, this.config, await this.stages.read(plan.corrected, passages, ctx), passages);
  }

  protected override async *doStream(
    plan: QueryPlan,
    options: PipelineRunOptions,
    ctx: RunContext,
  ): AsyncGenerator<PipelineEvent, PipelineResult, undefined> {
    const passages = await this.stages.context(plan, options, ctx);
    yield { type: 'sources', passages };
    const reader = this.stages.reader;
    let read: ReaderResult | undefined;
    for await (const event of reader.stream(plan.corrected, passages, ctx)) {
      if (event.type === 'token') yield event;
      else read = event.result;
    }
    if (!read) throw new RagError('INTERNAL', `reader ${reader.name} ended its stream without a result`);
    const result = pipelineResult(this.name, this.config, read, passages);
    // A reader that cannot stream (or a streaming one that fell back to one) wrote nothing yet: the answer is the text.
    if ((!reader.streams || read.degraded) && !result.abstained) yield { type: 'token', text: result.answer };
    return result;
  }
}
