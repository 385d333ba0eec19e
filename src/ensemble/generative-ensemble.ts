import type { EnsembleConfig } from '../core/config.js';
import { isRagError } from '../core/errors.js';
import type { RunContext } from '../core/run-context.js';
import type { Candidate, Passage, PipelineResult, QueryPlan } from '../core/types.js';
import type { ChatModel } from '../models/chat-model.js';
import type { ChatOptions } from '../models/chat-types.js';
import { readGeneratedAnswer } from '../models/llm-generator.js';
import type { Pipeline, PipelineRunOptions } from '../pipelines/pipeline.js';
import { NO_ANSWER, abstains, citationsOf, renumberCitations } from '../pipelines/pipeline-result.js';
import { aggregationContext } from './aggregation-context.js';
import { aggregationMessages } from './aggregation-prompt.js';
import { sameOrMention, vote, voteAsReaderResult } from './answer-clusters.js';
import { entropyWeights } from './entropy-weights.js';
import { PipelineEnsemble, type EnsembleResult, type MemberListener } from './pipeline-ensemble.js';

/** The LLM that writes a generative ensemble's answer, and how it is asked (the `llm` section's settings). */
export interface AggregatorLlm {
  chat: ChatModel;
  options: { topLogprobs: number; temperature: number; maxTokens: number };
}

/** How a generative ensemble's answer came about. */
export interface Aggregation {
  /** True when the LLM failed, ran out of time or wrote nothing, and the vote's answer stands (mode "vote"). */
  fallback: boolean;
  /** Why it fell back. */
  note?: string;
  /** Passages the LLM was given (the members', deduplicated, within the budget). */
  passages: number;
  /** The LLM's answer, its probability (exp of the mean log-probability of its tokens) and normalised entropy. */
  answer?: string;
  confidence?: number;
  normalizedEntropy?: number;
  /** The LLM's weight as one more voter: exp(-beta * H), normalised with the members'. */
  weight?: number;
  /** The members' share of the vote for the LLM's answer (0: no member gave it). */
  memberSupport?: number;
}

export interface GenerativeEnsembleResult extends EnsembleResult {
  aggregation: Aggregation;
}

/** The aggregator's name as a voter: never a pipeline's (those hold no '@'). */
const AGGREGATOR = '@aggregator';
/** Time kept back from the request's deadline so that, if the LLM takes all it may, the vote's answer still goes out. */
const RESERVE_MS = 50;

/**
 * Generative aggregation, the ensemble study's method (DESIGN, "Ensemble"): the members run and vote as in the
 * vote mode; then an LLM reads every member's passages (each chunk once, within a token budget), answer and
 * weight, and writes the answer with [n] citations of those passages.
 *
 * Uncertainty: the LLM's answer entropy comes from its log-probabilities (mean normalised top-k entropy of the
 * answer's tokens, as the LLM generator computes it). The LLM then votes as one more member, weighted
 * exp(-beta * H) with the members, with its answer at its sequence probability; the clusters of that vote give the
 * reported distribution, the normalised entropy and the confidence (the share of the cluster holding the LLM's
 * answer). So the ensemble is sure only when the LLM is sure and the members agree with it; an answer no member
 * gave, or members split among several answers, raise the entropy. Above `abstainAbove` the ensemble abstains.
 *
 * If the LLM fails, times out (`aggregation.timeoutMs`, or the request's deadline less a reserve) or writes no
 * answer, the vote's result stands with mode "vote" and `aggregation.fallback` set, and a warning is logged.
 */
export class GenerativeEnsemble extends PipelineEnsemble {
  constructor(
    name: string,
    config: EnsembleConfig,
    members: readonly Pipeline[],
    private readonly llm: AggregatorLlm,
  ) {
    super(name, config, members);
  }

  protected override async doRun(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext, onMember?: MemberListener): Promise<GenerativeEnsembleResult> {
    const results = new Map<string, PipelineResult>();
    const voted = await super.doRun(plan, options, ctx, (member, result) => {
      results.set(member.pipeline, result);
      onMember?.(member, result);
    });
    return ctx.span('ensemble.aggregate', () => this.aggregate(plan.corrected, voted, results, ctx), (r) => ({
      mode: r.mode,
      fallback: r.aggregation.fallback,
      passages: r.aggregation.passages,
      ...(r.aggregation.note !== undefined ? { note: r.aggregation.note } : {}),
    }));
  }

  private async aggregate(question: string, voted: EnsembleResult, results: ReadonlyMap<string, PipelineResult>, ctx: RunContext): Promise<GenerativeEnsembleResult> {
    const { contextTokens, passagesPerMember, timeoutMs } = this.config.aggregation;
    const evidence = voted.members.map((m) => ({ weight: m.weight, passages: results.get(m.pipeline)?.passages ?? [] }));
    const passages = await ctx.span('aggregate.context', () => aggregationContext(evidence, { budgetTokens: contextTokens, perMember: passagesPerMember }), (p) => ({
      passages: p.length,
      tokens: p.reduce((s, x) => s + x.tokens, 0),
      budget: contextTokens,
    }));
    const fallback = (note: string): GenerativeEnsembleResult => {
      ctx.log.warn({ ensemble: this.name, note }, `generative aggregation fell back to the vote: ${note}`);
      return { ...voted, mode: 'vote', aggregation: { fallback: true, note, passages: passages.length } };
    };
    if (passages.length === 0) return fallback('the members found no passages to aggregate');
    const limit = Math.min(timeoutMs ?? Number.POSITIVE_INFINITY, ctx.remainingMs() - RESERVE_MS);
    if (limit <= 0) return fallback('no time left before the deadline');
    const messages = aggregationMessages(question, voted.members, passages);
    let written: Candidate | undefined;
    let normalizedEntropy = 0;
    let cut: string | undefined;
    try {
      const output = await ctx.span(
        'aggregate.llm',
        async () => readGeneratedAnswer(await this.llm.chat.chat(messages, this.chatOptions(), ctx.child(limit)), passages.length),
        (o) => ({ ...o.attrs, normalizedEntropy: Number(o.result.normalizedEntropy.toFixed(4)) }),
      );
      written = output.result.candidates[0];
      normalizedEntropy = output.result.normalizedEntropy;
      if (output.attrs?.['truncated'] === true) cut = 'the LLM was cut off at maxTokens before its answer was finished';
      else if (output.attrs?.['unknown'] === true) cut = 'the LLM found no answer in the passages (Answer: unknown)';
    } catch (err) {
      // The request itself was aborted or ran out of time: that is its failure, not the aggregator's.
      ctx.check(`ensemble.${this.name}`);
      const code = isRagError(err) ? err.code : 'INTERNAL';
      return fallback(`the LLM ${code === 'DEADLINE_EXCEEDED' ? 'timed out' : 'failed'}: ${err instanceof Error ? err.message : String(err)}`);
    }
    // An unfinished reply is no answer to weigh against the vote: it had won at a low confidence over the members'.
    if (cut !== undefined) return fallback(cut);
    if (written === undefined) return fallback('the LLM wrote no answer');
    return this.combine(voted, results, passages, written, normalizedEntropy);
  }

  /** The LLM's answer with the uncertainty of the vote it joins as one more member (see the class comment). */
  private combine(
    voted: EnsembleResult,
    results: ReadonlyMap<string, PipelineResult>,
    passages: Passage[],
    written: Candidate,
    normalizedEntropy: number,
  ): GenerativeEnsembleResult {
    const weights = entropyWeights([...voted.members.map((m) => m.normalizedEntropy), normalizedEntropy], this.config.beta);
    const aggregatorWeight = weights[voted.members.length] ?? 0;
    const voters = voted.members.map((m, i) => ({
      name: m.pipeline,
      weight: weights[i] ?? 0,
      // Members cite their own passages: as numbers of the aggregation's, so every candidate cites the response's.
      candidates: m.candidates.map((c) => renumberCitations(c, results.get(m.pipeline)?.passages ?? [], passages)),
      unsupported: m.unsupported,
    }));
    const tally = vote([...voters, { name: AGGREGATOR, weight: aggregatorWeight, candidates: [written] }]);
    const mine = tally.clusters.find((c) => c.members.includes(AGGREGATOR)) ?? null;
    const combined = voteAsReaderResult(tally);
    const abstained = abstains(tally.clusters.map((c) => c.prob), tally, this.config.abstainAbove);
    return {
      ...voted,
      mode: 'generative',
      answer: abstained ? NO_ANSWER : written.text,
      confidence: abstained ? 0 : (mine?.prob ?? 0),
      candidates: combined.candidates,
      entropy: combined.entropy,
      normalizedEntropy: combined.normalizedEntropy,
      winner: mine,
      distribution: tally.clusters.slice(0, 10),
      passages,
      citations: abstained ? [] : citationsOf(written.citations, passages),
      abstained,
      aggregation: {
        fallback: false,
        passages: passages.length,
        answer: written.text,
        confidence: written.prob,
        normalizedEntropy: Number(normalizedEntropy.toFixed(6)),
        weight: Number(aggregatorWeight.toFixed(6)),
        // As the vote counts it: the LLM's "Jackson" is supported by the members' "Reggie Jackson".
        memberSupport: Number(voted.distribution.filter((c) => sameOrMention(c.answer, written.text)).reduce((s, c) => s + c.prob, 0).toFixed(6)),
      },
    };
  }

  private chatOptions(): ChatOptions {
    const { topLogprobs, temperature, maxTokens } = this.llm.options;
    return { topLogprobs, temperature, maxTokens: this.config.aggregation.maxTokens ?? maxTokens };
  }
}
