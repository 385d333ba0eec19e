import type { EnsembleConfig } from '../core/config.js';
import { RagError, isRagError } from '../core/errors.js';
import type { RunContext } from '../core/run-context.js';
import type { Candidate, Degradation, PipelineResult, QueryPlan } from '../core/types.js';
import type { Pipeline, PipelineRunOptions } from '../pipelines/pipeline.js';
import { NO_ANSWER, abstains, citationsOf, renumberCitations } from '../pipelines/pipeline-result.js';
import { vote, voteAsReaderResult, type AnswerCluster } from './answer-clusters.js';
import { entropyWeights } from './entropy-weights.js';
import { temperedCandidates } from './tempered-candidates.js';

/**
 * Milliseconds of the request's deadline the members leave for the vote (at most a tenth of the time left): a member
 * that runs to the deadline (an agentic member waiting on a hung LLM) is dropped with a note, and the members that
 * answered still answer the request, rather than the whole request failing with 504.
 */
const VOTE_RESERVE_MS = 50;

/** What one member answered and how much it counted. */
export interface EnsembleMember {
  pipeline: string;
  weight: number;
  answer: string;
  confidence: number;
  entropy: number;
  normalizedEntropy: number;
  abstained: boolean;
  candidates: Candidate[];
  /** The probability the member left to "none of these" (its passages miss part of the question), when it left any. */
  unsupported?: number;
  ms: number;
  /** The member answered through a stand-in (its LLM failed and the extractive reader read instead). */
  degraded?: Degradation;
}

/** A member left out of the vote: it failed or ran out of time. */
export interface DroppedMember {
  pipeline: string;
  code: string;
  note: string;
}

export interface EnsembleResult extends PipelineResult {
  ensemble: string;
  /** Which mode wrote the answer: "vote", or "generative" (which falls back to the vote's answer when its LLM fails). */
  mode: EnsembleConfig['mode'];
  members: EnsembleMember[];
  /** The best cluster of answers: the answer, its share of the weighted mass and the members behind it. */
  winner: AnswerCluster | null;
  /** Every cluster, best first. */
  distribution: AnswerCluster[];
  dropped: DroppedMember[];
}

/** Called for each member counted, with its whole result: for streaming one `candidate` event per member. */
export type MemberListener = (member: EnsembleMember, result: PipelineResult) => void;

/**
 * An entropy-weighted ensemble of pipelines (DESIGN, "Ensemble"). Members run concurrently under the request's
 * deadline (and `memberTimeoutMs` each), sharing retrieval and reranking through the request's memo; a member
 * that fails or times out is dropped with a note, and only when every member is dropped does the request fail.
 */
export class PipelineEnsemble {
  constructor(
    readonly name: string,
    protected readonly config: EnsembleConfig,
    private readonly members: readonly Pipeline[],
  ) {}

  get memberNames(): string[] {
    return this.members.map((m) => m.name);
  }

  async run(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext, onMember?: MemberListener): Promise<EnsembleResult> {
    return ctx.span(`ensemble.${this.name}`, () => this.doRun(plan, options, ctx, onMember), (r) => ({
      members: r.members.length,
      dropped: r.dropped.length,
      abstained: r.abstained,
      memoHits: ctx.memo.hits,
    }));
  }

  protected async doRun(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext, onMember?: MemberListener): Promise<EnsembleResult> {
    const remaining = ctx.remainingMs();
    const reserved = Number.isFinite(remaining) ? remaining - Math.min(VOTE_RESERVE_MS, remaining / 10) : Number.POSITIVE_INFINITY;
    const memberLimit = Math.min(this.config.memberTimeoutMs ?? Number.POSITIVE_INFINITY, reserved);
    const settled = await Promise.all(
      this.members.map(async (pipeline) => {
        const started = performance.now();
        try {
          const result = await pipeline.run(plan, options, ctx.child(Number.isFinite(memberLimit) ? memberLimit : undefined));
          return { pipeline, result, ms: performance.now() - started };
        } catch (err) {
          return { pipeline, error: err, ms: performance.now() - started };
        }
      }),
    );
    // The whole request was aborted or ran out of time: that is the request's failure, not a member's.
    ctx.check(`ensemble.${this.name}`);
    const ok: Array<{ result: PipelineResult; ms: number }> = [];
    const dropped: DroppedMember[] = [];
    for (const s of settled) {
      if ('result' in s && s.result) ok.push({ result: s.result, ms: s.ms });
      else {
        const err = 'error' in s ? s.error : undefined;
        const code = isRagError(err) ? err.code : 'INTERNAL';
        dropped.push({ pipeline: s.pipeline.name, code, note: `${code === 'DEADLINE_EXCEEDED' ? 'timed out' : 'failed'}: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
    if (ok.length === 0) {
      // Every member ran out of the request's time: that is the request's deadline, as it would be without the reserve.
      if (dropped.every((d) => d.code === 'DEADLINE_EXCEEDED') && !(memberLimit < reserved)) {
        throw new RagError('DEADLINE_EXCEEDED', `deadline exceeded during ensemble.${this.name}: every member timed out`, { dropped });
      }
      throw new RagError('UNAVAILABLE', `every member of ensemble "${this.name}" failed: ${dropped.map((d) => `${d.pipeline} (${d.note})`).join('; ')}`, { dropped });
    }
    // A member that abstained by its own threshold still votes with its candidates: the ensemble's own entropy decides.
    const weights = entropyWeights(ok.map((o) => o.result.normalizedEntropy), this.config.beta);
    const members: EnsembleMember[] = ok.map(({ result, ms }, i) => ({
      pipeline: result.pipeline,
      weight: Number((weights[i] ?? 0).toFixed(6)),
      answer: result.answer,
      confidence: result.confidence,
      entropy: result.entropy,
      normalizedEntropy: result.normalizedEntropy,
      abstained: result.abstained,
      candidates: result.candidates,
      ...(result.unsupported !== undefined ? { unsupported: result.unsupported } : {}),
      ms: Math.round(ms * 1000) / 1000,
      ...(result.degraded ? { degraded: result.degraded } : {}),
    }));
    members.forEach((m, i) => onMember?.(m, ok[i]?.result as PipelineResult));
    const ballots = ok.map(({ result }, i) => ({
      name: result.pipeline,
      weight: weights[i] ?? 0,
      candidates: temperedCandidates(result.candidates, this.config.temperature),
      unsupported: result.unsupported,
    }));
    const tally = await ctx.span('ensemble.vote', () => vote(ballots), (v) => ({ clusters: v.clusters.length, normalizedEntropy: Number(v.normalizedEntropy.toFixed(4)) }));
    const winner = tally.clusters[0] ?? null;
    const base = { ensemble: this.name, mode: this.config.mode, members, winner, distribution: tally.clusters.slice(0, 10), dropped, pipeline: this.name };
    // The winning cluster's answer, with the passages of the member that gave it the most mass.
    const source = ok.find((o) => o.result.pipeline === winner?.members[0])?.result ?? ok[0]?.result;
    const passages = source?.passages ?? [];
    // As a pipeline abstains: the clusters too evenly spread, or "none of these" above all the answers together.
    const abstained = winner === null || abstains(tally.clusters.map((c) => c.prob), tally, this.config.abstainAbove);
    // A member's stand-in, or a stage shared by the members that fell back: the ensemble's answer says so too.
    const degraded = ok.map((o) => o.result.degraded).find((d) => d !== undefined) ?? ctx.degradations[0];
    const read = voteAsReaderResult(tally);
    // Each candidate cites the passages of the member that gave it the most mass, numbered in that member's list:
    // renumbered (by chunk id) into the passages the response returns, the source member's, so every [n] points at
    // a passage that holds it. A member whose cited passages the source lacks gives way to the next one that cited it.
    const passagesOf = new Map(ok.map((o) => [o.result.pipeline, o.result.passages]));
    const candidates = read.candidates.map((c, i) => {
      const cluster = tally.clusters[i];
      if (!cluster) return c;
      for (const voter of cluster.members) {
        const cited = cluster.citations[voter];
        if (!cited || cited.length === 0) continue;
        const renumbered = renumberCitations({ ...c, citations: cited }, passagesOf.get(voter) ?? [], passages);
        if (renumbered.citations.length > 0) return renumbered;
      }
      return { ...c, citations: [] };
    });
    return {
      ...base,
      ...(degraded ? { degraded } : {}),
      answer: abstained || winner === null ? NO_ANSWER : winner.answer,
      confidence: abstained || winner === null ? 0 : winner.prob,
      ...read,
      // No member proposed anything: as a pipeline with no candidate, it knows nothing (`pipelineResult`).
      ...(winner === null ? { normalizedEntropy: 1 } : {}),
      candidates,
      passages,
      // The winner's candidate's, renumbered above: when the source member cited nothing for it, another member did.
      citations: abstained || winner === null ? [] : citationsOf(candidates[0]?.citations ?? [], passages),
      abstained,
    };
  }
}
