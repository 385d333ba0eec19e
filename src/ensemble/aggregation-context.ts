import type { Passage } from '../core/types.js';

/** One member's evidence as the aggregating LLM gets it: its passages, best first, and its weight. */
export interface MemberEvidence {
  weight: number;
  passages: readonly Passage[];
}

export interface AggregationContextOptions {
  /** Token budget of the whole context. */
  budgetTokens: number;
  /** Passages taken from each member, its best first. */
  perMember: number;
}

/**
 * The passages the aggregating LLM reads: every member's first `perMember` passages, each chunk once, ordered by
 * the weight of the members that used it discounted by where they ranked it, sum of w_i / (1 + rank_i): a
 * passage several members relied on, or a confident member's first, comes first. Taken in that order while they
 * fit the budget (a passage too long for what is left is skipped, a shorter one may still fit).
 */
export function aggregationContext(members: readonly MemberEvidence[], options: AggregationContextOptions): Passage[] {
  const scored = new Map<string, { passage: Passage; score: number; first: number }>();
  let order = 0;
  for (const member of members) {
    member.passages.slice(0, options.perMember).forEach((passage, rank) => {
      const seen = scored.get(passage.chunkId);
      const add = member.weight / (1 + rank);
      if (seen) seen.score += add;
      else scored.set(passage.chunkId, { passage, score: add, first: order++ });
    });
  }
  const ranked = [...scored.values()].sort((a, b) => b.score - a.score || a.first - b.first);
  const out: Passage[] = [];
  let tokens = 0;
  for (const { passage } of ranked) {
    if (tokens + passage.tokens > options.budgetTokens) continue;
    out.push(passage);
    tokens += passage.tokens;
  }
  return out;
}
