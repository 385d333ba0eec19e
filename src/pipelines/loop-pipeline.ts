import type { RunContext } from '../core/run-context.js';
import type { Passage, PipelineResult, QueryPlan } from '../core/types.js';
import type { PipelineRunOptions } from './pipeline.js';
import { pipelineResult } from './pipeline-result.js';
import { PipelineStages } from './pipeline-stages.js';
import { StagedPipeline } from './staged-pipeline.js';

/**
 * The adaptive loop (IRCoT/FLARE-like): answer; while the answer's normalised entropy is above `stopBelow` and
 * rounds remain, form the next query from the newest evidence (the question plus the uncertain best candidate
 * and the title of the best new passage not seen before: the bridge entity of a multi-hop question), retrieve
 * more, and answer again from the new evidence first, then the old, within the token budget.
 */
export class LoopPipeline extends StagedPipeline {
  readonly kind = 'loop';

  protected async doRun(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext): Promise<PipelineResult> {
    const rounds = this.config.rounds ?? 3;
    const stopBelow = this.config.stopBelow ?? 0.5;
    const budget = options.contextTokens ?? this.config.contextTokens;
    let evidence = await this.stages.context(plan, options, ctx);
    let result = pipelineResult(this.name, this.config, await this.stages.read(plan.corrected, evidence, ctx), evidence);
    const seenTitles = new Set<string>();
    for (let round = 2; round <= rounds && result.normalizedEntropy > stopBelow; round++) {
      const query = nextQuery(plan.corrected, result, evidence, seenTitles);
      if (query === undefined) break;
      const fresh = await ctx.span(`round.${round}`, () => this.stages.context(PipelineStages.followUp(plan, query), options, ctx), (p) => ({
        passages: p.length,
      }));
      evidence = merge(fresh, evidence, budget);
      result = pipelineResult(this.name, this.config, await this.stages.read(plan.corrected, evidence, ctx), evidence);
    }
    return result;
  }
}

/** The question plus what the newest evidence points at; undefined when it points at nothing new. */
function nextQuery(question: string, result: PipelineResult, evidence: readonly Passage[], seenTitles: Set<string>): string | undefined {
  const extra: string[] = [];
  const best = result.candidates[0]?.text;
  if (best !== undefined && best.length <= 120) extra.push(best);
  const bridge = evidence.find((p) => p.title !== undefined && !seenTitles.has(p.title) && !question.toLowerCase().includes(p.title.toLowerCase()));
  if (bridge?.title !== undefined) {
    seenTitles.add(bridge.title);
    extra.push(bridge.title);
  }
  return extra.length === 0 ? undefined : `${question} ${extra.join(' ')}`;
}

/** New passages first, then the old ones not among them, within the token budget. */
function merge(fresh: readonly Passage[], old: readonly Passage[], budget: number): Passage[] {
  const out: Passage[] = [];
  const seen = new Set<string>();
  let tokens = 0;
  for (const p of [...fresh, ...old]) {
    if (seen.has(p.chunkId) || tokens + p.tokens > budget) continue;
    seen.add(p.chunkId);
    out.push(p);
    tokens += p.tokens;
  }
  return out;
}
