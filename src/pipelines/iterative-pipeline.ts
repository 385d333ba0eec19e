import type { RunContext } from '../core/run-context.js';
import type { PipelineResult, QueryPlan } from '../core/types.js';
import type { PipelineRunOptions } from './pipeline.js';
import { pipelineResult } from './pipeline-result.js';
import { PipelineStages } from './pipeline-stages.js';
import { StagedPipeline } from './staged-pipeline.js';

/**
 * Iter-RetGen: a fixed number of rounds (default 3); each round after the first retrieves with the question plus
 * the previous round's answer (which names what the question was missing: a bridge entity, a date), then
 * answers the question again from the new passages. The last round's answer stands, unless it abstained and an
 * earlier one did not.
 */
export class IterativePipeline extends StagedPipeline {
  readonly kind = 'iterative';

  protected async doRun(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext): Promise<PipelineResult> {
    const rounds = this.config.rounds ?? 3;
    let result: PipelineResult | undefined;
    let answered: PipelineResult | undefined;
    for (let round = 1; round <= rounds; round++) {
      const query = result === undefined || result.candidates.length === 0 ? plan.corrected : `${plan.corrected} ${result.candidates[0]?.text ?? ''}`;
      const roundPlan = round === 1 ? plan : PipelineStages.followUp(plan, query);
      const passages = await ctx.span(`round.${round}`, () => this.stages.context(roundPlan, options, ctx), (p) => ({ passages: p.length }));
      const read = await this.stages.read(plan.corrected, passages, ctx);
      result = pipelineResult(this.name, this.config, read, passages);
      if (!result.abstained) answered = result;
    }
    return (result?.abstained ? answered : undefined) ?? (result as PipelineResult);
  }
}
