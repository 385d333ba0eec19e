import type { QueryConfig } from '../core/config.js';
import type { RunContext } from '../core/run-context.js';
import type { QueryPlan } from '../core/types.js';
import { standInForAny } from '../core/stand-in.js';
import type { QueryRewriter, RewriteOutcome } from './llm-query-rewriter.js';
import { normalizeQuery } from './normalize-query.js';
import { withoutLeadingPleasantry } from './leading-pleasantry.js';
import { QueryDecomposer } from './query-decomposer.js';
import { EnglishWords } from './english-words.js';
import { SpellingCorrector, type CorrectionVocabulary } from './spelling-corrector.js';
import { wordSubstitutions } from './word-alignment.js';

export type QueryPlannerOptions = Pick<QueryConfig, 'denoise' | 'maxEditDistance' | 'decompose' | 'maxSubQueries' | 'rewriteTimeoutMs'>;

const DEFAULTS: QueryPlannerOptions = { denoise: true, maxEditDistance: 2, decompose: true, maxSubQueries: 4, rewriteTimeoutMs: 3000 };

export interface QueryPlannerDeps {
  /** The index's vocabulary, asked for on every plan (it follows ingestion); without it nothing is corrected. */
  vocabulary?: () => CorrectionVocabulary;
  /** With a model configured: one call gives the corrected text and the sub-queries; the rules are the fallback. */
  rewriter?: QueryRewriter;
}

/**
 * Query understanding (Omni-RAG): normalises the text (Unicode NFKC, control characters out, whitespace
 * collapsed, a chat user's opening "thanks," or "ok." left out), corrects misspellings against the index's vocabulary, and decomposes multi-intent questions into
 * sub-queries. With a rewriter (an LLM), its validated answer replaces the rule-based plan; when the answer is
 * malformed the rule-based plan stands and the trace says so; when the call fails or takes longer than
 * `rewriteTimeoutMs` (or half the request's time left), the rule-based plan stands and the request's answer
 * carries `degraded` (stage "plan").
 */
export class QueryPlanner {
  private readonly options: QueryPlannerOptions;
  private readonly decomposer: QueryDecomposer;

  constructor(
    options: Partial<QueryPlannerOptions> = {},
    private readonly deps: QueryPlannerDeps = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.decomposer = new QueryDecomposer({ maxSubQueries: this.options.maxSubQueries });
  }

  async plan(query: string, ctx: RunContext): Promise<QueryPlan> {
    const how: { rewriter: string; fallback?: string } = { rewriter: 'rules' };
    return ctx.span('query.plan', () => this.doPlan(query, ctx, how), (p) => ({
      subQueries: p.subQueries.length,
      corrections: p.corrections.length,
      ...how,
    }));
  }

  /** The rule-based plan alone, synchronous (no model call). */
  rulePlan(query: string): QueryPlan {
    return this.plannedByRules(query, asked(query));
  }

  /** The rule-based plan of `query`, normalised as `asked` gives it (computed once per plan). */
  private plannedByRules(query: string, normalized: string): QueryPlan {
    let corrected = normalized;
    let corrections: QueryPlan['corrections'] = [];
    const vocabulary = this.options.denoise ? this.deps.vocabulary?.() : undefined;
    if (vocabulary) {
      const result = new SpellingCorrector(vocabulary, { maxEditDistance: this.options.maxEditDistance, dictionary: EnglishWords.shared() }).correct(normalized);
      corrected = result.text;
      corrections = result.corrections;
    }
    const subQueries = this.options.decompose ? this.decomposer.decompose(corrected) : [corrected];
    return { original: query, corrected, corrections, subQueries };
  }

  protected async doPlan(query: string, ctx: RunContext, how: { rewriter: string; fallback?: string }): Promise<QueryPlan> {
    const normalized = asked(query);
    const rules = this.plannedByRules(query, normalized);
    const rewriter = this.deps.rewriter;
    if (!rewriter || !/[\p{L}\p{N}]/u.test(rules.corrected)) return rules;
    const left = ctx.remainingMs();
    const budget = Number.isFinite(left) ? Math.min(this.options.rewriteTimeoutMs, Math.max(0, left / 2)) : this.options.rewriteTimeoutMs;
    let outcome: RewriteOutcome;
    try {
      outcome = await rewriter.rewrite(normalized, { maxSubQueries: this.options.maxSubQueries, ctx: ctx.child(budget) });
    } catch (err) {
      outcome = { ok: false, reason: 'error', detail: err instanceof Error ? err.message : String(err), error: err };
    }
    // The request itself aborted or ran out of time: that is its failure, not the rewriter's.
    ctx.check('query.rewrite');
    if (!outcome.ok) {
      how.fallback = outcome.reason;
      if (outcome.reason === 'error') {
        ctx.degradations.push(
          standInForAny(outcome.error, ctx, {
            stage: 'plan',
            primary: 'llm',
            fallback: 'rules',
            budgetMs: Math.round(budget),
            reserveMs: Number.isFinite(left) ? Math.round(Math.max(0, left - budget)) : 0,
            keptFor: 'the rest of the request',
            who: 'the LLM query rewriter',
          }),
        );
      } else {
        // A reply the plan cannot use is the rewriter failing too, as the LLM reranker's is: a model that always
        // answered so turned the rewriter off with no sign in any answer.
        ctx.degradations.push({ stage: 'plan', reason: 'llm malformed', fallback: 'rules', message: `the LLM query rewriter's reply was not used (${outcome.detail})` });
      }
      ctx.log.warn({ reason: outcome.reason, detail: outcome.detail }, 'query rewrite rejected; using the rule-based plan');
      return rules;
    }
    how.rewriter = 'llm';
    // The configuration still decides: no correction without denoise, no sub-queries without decompose. Without
    // denoise the model's sub-queries would carry its corrections to retrieval: the rules split the query instead.
    const corrected = this.options.denoise ? outcome.rewrite.corrected : normalized;
    const subQueries = !this.options.decompose ? [corrected] : this.options.denoise ? outcome.rewrite.subQueries : this.decomposer.decompose(corrected);
    return { original: query, corrected, corrections: this.options.denoise ? wordSubstitutions(normalized, corrected) : [], subQueries };
  }
}

export { normalizeQuery } from './normalize-query.js';

/** The query as it is planned: normalised, without the pleasantries a chat user opens with ("thanks, how ...?"). */
function asked(query: string): string {
  return withoutLeadingPleasantry(normalizeQuery(query));
}
