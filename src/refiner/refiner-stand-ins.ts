import type { RunContext } from '../core/run-context.js';
import { budgetBefore, standInFor } from '../core/stand-in.js';
import { GlobalSelector } from './global-selector.js';
import { QueryAnalyzer } from './query-analyzer.js';
import type { RefineForest } from './refine-tree.js';

/** Milliseconds of the request's deadline kept for the rule-based stand-in (`llm.fallbackReserveMs`). */
export interface RefinerStandInOptions {
  reserveMs: number;
}

/**
 * Runs an LLM step of the refiner with its rule-based stand-in behind it: an LLM that does not answer before the
 * deadline less `reserveMs`, or is unavailable, gives way to the rules and the answer says so in `degraded` (as an
 * LLM generator gives way to the extractive reader). A refusal (a 4xx) or the request's own end is not hidden.
 */
async function withStandIn<T>(
  ctx: RunContext,
  options: RefinerStandInOptions,
  step: { stage: string; who: string; fallback: string },
  primary: (ctx: RunContext) => Promise<T>,
  standIn: () => Promise<T> | T,
): Promise<T> {
  const budget = budgetBefore(ctx, options.reserveMs);
  try {
    return await primary(ctx.child(budget));
  } catch (err) {
    const degraded = standInFor(err, ctx, { stage: step.stage, primary: 'llm', fallback: step.fallback, budgetMs: budget, reserveMs: options.reserveMs, keptFor: 'the rules', who: step.who });
    if (!degraded) throw err;
    ctx.degradations.push(degraded);
    ctx.log.warn({ ...degraded }, `${degraded.reason}: ${step.who} gave way to ${step.fallback}`);
    return standIn();
  }
}

/** The LLM's query analysis, with the rule-based classifier behind it. */
export class QueryAnalyzerWithStandIn extends QueryAnalyzer {
  readonly name: string;

  constructor(
    private readonly primary: QueryAnalyzer,
    private readonly standIn: QueryAnalyzer,
    private readonly options: RefinerStandInOptions,
  ) {
    super();
    this.name = primary.name;
  }

  /** Not through `doAnalyze`: the LLM's analysis and the rules' each record their own span. */
  override analyze(query: string, ctx: RunContext): Promise<number> {
    const step = { stage: 'refine.analyze', who: 'the LLM query analysis', fallback: 'rules' };
    return withStandIn(ctx, this.options, step, (c) => this.primary.analyze(query, c), () => this.standIn.analyze(query, ctx));
  }

  protected doAnalyze(): number {
    throw new Error('QueryAnalyzerWithStandIn analyzes through analyze()');
  }
}

/** The LLM's global selection, with the title match behind it. */
export class GlobalSelectorWithStandIn extends GlobalSelector {
  readonly name: string;

  constructor(
    private readonly primary: GlobalSelector,
    private readonly standIn: GlobalSelector,
    private readonly options: RefinerStandInOptions,
  ) {
    super();
    this.name = primary.name;
  }

  /** Not through `doSelect`: the LLM's selection and the title match each record their own span. */
  override select(query: string, forest: RefineForest, ctx: RunContext): Promise<Set<number>> {
    const step = { stage: 'refine.select', who: 'the LLM section selection', fallback: 'title match' };
    return withStandIn(ctx, this.options, step, (c) => this.primary.select(query, forest, c), () => this.standIn.select(query, forest, ctx));
  }

  protected doSelect(): Set<number> {
    throw new Error('GlobalSelectorWithStandIn selects through select()');
  }
}
