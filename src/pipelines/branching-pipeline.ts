import type { PipelineConfig } from '../core/config.js';
import type { RunContext } from '../core/run-context.js';
import type { Passage, PipelineResult, QueryPlan, ScoredChunk } from '../core/types.js';
import { vote, voteAsReaderResult, type Voter } from '../ensemble/answer-clusters.js';
import { entropyWeights } from '../ensemble/entropy-weights.js';
import type { PipelineRunOptions } from './pipeline.js';
import { pipelineResult, renumberCitations, uncertaintyOf } from './pipeline-result.js';
import { PipelineStages, type PipelineDeps } from './pipeline-stages.js';
import { StagedPipeline } from './staged-pipeline.js';

interface Branch {
  name: string;
  passages: Passage[];
  prior: number;
}

/**
 * Parallel branches, each answering from its own passages, combined inside the pipeline (REPLUG/SuRe-like):
 * one branch per sub-query (and the whole query) when the plan has sub-queries, else one per retrieved document
 * (`branchBy: documents` always does that); with `branchBy: retriever`, one per retriever of the pipeline's list,
 * each retrieving alone (their fusion is what the other kinds read). A branch's vote is its rank prior times
 * exp(-H) of its answer distribution; candidates are clustered across branches like an ensemble's.
 */
export class BranchingPipeline extends StagedPipeline {
  readonly kind = 'branching';
  /** With `branchBy: retriever`: the stages of each retriever alone, sharing the reranker and reader. */
  private readonly perRetriever: Array<{ name: string; stages: PipelineStages }>;

  constructor(name: string, config: PipelineConfig, deps: PipelineDeps) {
    super(name, config, deps);
    this.perRetriever = (deps.retrieverMembers ?? []).map((m) => ({ name: m.name, stages: new PipelineStages(config, { ...deps, retriever: m.intents.retriever, intents: m.intents }) }));
  }

  protected async doRun(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext): Promise<PipelineResult> {
    const branches = await this.branches(plan, options, ctx);
    const reads = await Promise.all(branches.map((b) => this.stages.read(plan.corrected, b.passages, ctx)));
    const passages = union(branches.map((b) => b.passages));
    const weights = entropyWeights(reads.map(uncertaintyOf), 1).map((w, i) => w * (branches[i]?.prior ?? 0));
    const voters: Voter[] = branches.map((b, i) => ({
      name: b.name,
      weight: weights[i] ?? 0,
      candidates: (reads[i]?.candidates ?? []).map((c) => renumberCitations(c, b.passages, passages)),
      unsupported: reads[i]?.unsupported,
    }));
    const combined = vote(voters);
    const read = voteAsReaderResult(combined);
    // One branch answered by a stand-in is enough for the answer to say so.
    const degraded = reads.find((r) => r.degraded)?.degraded;
    if (degraded) read.degraded = degraded;
    return ctx.span('branches.combine', () => pipelineResult(this.name, this.config, read, passages), () => ({ branches: branches.length, clusters: combined.clusters.length }));
  }

  private async branches(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext): Promise<Branch[]> {
    const max = this.config.maxBranches ?? 4;
    if (this.perRetriever.length > 0) {
      return Promise.all(this.perRetriever.slice(0, max).map(async (r) => ({ name: r.name, passages: await r.stages.context(plan, options, ctx), prior: 1 })));
    }
    const queries = [...new Set([plan.corrected, ...plan.subQueries])].slice(0, max);
    if ((this.config.branchBy ?? 'subquery') === 'subquery' && queries.length > 1) {
      return Promise.all(
        queries.map(async (q, i) => ({
          name: `q${i}`,
          passages: await this.stages.context(i === 0 ? plan : PipelineStages.followUp(plan, q), options, ctx),
          prior: 1,
        })),
      );
    }
    const ranked = await this.stages.ranked(plan, options, ctx);
    const byDoc = new Map<string, ScoredChunk[]>();
    for (const c of ranked) byDoc.set(c.docId, [...(byDoc.get(c.docId) ?? []), c]);
    const groups = [...byDoc.values()].slice(0, max);
    return Promise.all(
      groups.map(async (chunks, i) => ({ name: `d${i}`, passages: await this.stages.select(plan.corrected, chunks, options, ctx), prior: 1 / Math.sqrt(i + 1) })),
    );
  }
}

function union(lists: readonly Passage[][]): Passage[] {
  const seen = new Set<string>();
  const out: Passage[] = [];
  for (const list of lists) for (const p of list) if (!seen.has(p.chunkId)) (seen.add(p.chunkId), out.push(p));
  return out;
}
