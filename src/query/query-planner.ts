import type { RunContext } from '../core/run-context.js';
import type { QueryPlan } from '../core/types.js';

/**
 * Query understanding. This first stage normalises the text (Unicode NFKC, control characters out, whitespace
 * collapsed); spelling correction and decomposition extend the plan it returns.
 */
export class QueryPlanner {
  async plan(query: string, ctx: RunContext): Promise<QueryPlan> {
    return ctx.span('query.plan', () => this.doPlan(query), (p) => ({ subQueries: p.subQueries.length, corrections: p.corrections.length }));
  }

  protected doPlan(query: string): QueryPlan {
    const corrected = normalizeQuery(query);
    return { original: query, corrected, corrections: [], subQueries: [corrected] };
  }
}

export function normalizeQuery(query: string): string {
  return query
    .normalize('NFKC')
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
