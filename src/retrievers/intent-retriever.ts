import { instanceKey } from '../core/instance-key.js';
import type { RunContext } from '../core/run-context.js';
import type { QueryPlan, RetrieveOptions, ScoredChunk } from '../core/types.js';
import { entropyWeights, reciprocalRankFusion, type RankedList } from './fusion.js';
import type { Retriever } from './retriever.js';

/** How the lists of the whole query and its sub-queries are merged. */
export type IntentFusion = 'rrf' | 'entropy-rrf';

export interface IntentRetrieverOptions {
  fusion: IntentFusion;
  /** Hits each sub-query contributes to the fusion; the whole query contributes all k. */
  subQueryDepth: number;
}

/**
 * Intent-aware retrieval (Omni-RAG): retrieves for the whole corrected query and for each of the plan's
 * sub-queries, fuses the lists by reciprocal rank (optionally weighting each list by how peaked its top scores
 * are: a confident list counts more), dedupes by chunk id, and records on each hit the queries that found it
 * (`foundBy`). A plan with no sub-queries beyond the query itself is one plain retrieval.
 *
 * A sub-query is a fragment of the question: its best hits are the evidence for its intent that the whole query
 * may rank too low, but further down its list is dominated by the generic words it shares with many documents.
 * So each sub-query contributes only its top `subQueryDepth` hits (measured on HotpotQA and LiveRAG questions:
 * 1-2 raise supporting-document recall, 5 or more lower it below the whole query alone).
 */
export class IntentRetriever {
  constructor(
    readonly retriever: Retriever,
    private readonly options: IntentRetrieverOptions,
  ) {}

  /** The same intent-aware retrieval over another retriever (a pipeline's own ensemble of retrievers). */
  over(retriever: Retriever): IntentRetriever {
    return new IntentRetriever(retriever, this.options);
  }

  async retrieve(plan: QueryPlan, options: RetrieveOptions, ctx: RunContext): Promise<ScoredChunk[]> {
    return ctx.span('retrieve.intents', () => this.doRetrieve(plan, options, ctx), (hits) => ({
      queries: queriesOf(plan).length,
      fusion: queriesOf(plan).length > 1 ? this.options.fusion : 'none',
      hits: hits.length,
    }));
  }

  protected async doRetrieve(plan: QueryPlan, options: RetrieveOptions, ctx: RunContext): Promise<ScoredChunk[]> {
    const queries = queriesOf(plan);
    const full: RankedList[] = [];
    for (const query of queries) {
      // Per query, shared within the request: a branch retrieving one of these sub-queries on its own finds it done.
      const key = `retrieve.query\u0000${JSON.stringify([instanceKey(this.retriever), query, options])}`;
      full.push({ hits: await ctx.memo.get(key, () => this.retriever.retrieve(query, options, ctx)), name: query });
    }
    if (full.length === 1) return (full[0]?.hits ?? []).map((hit) => ({ ...hit, foundBy: [...queries] }));
    const depth = Math.max(1, this.options.subQueryDepth);
    const lists = full.map((l, i) => (i === 0 ? l : { ...l, hits: l.hits.slice(0, depth) }));

    const foundBy = new Map<string, string[]>();
    for (const list of lists) {
      for (const hit of list.hits) {
        const names = foundBy.get(hit.id);
        if (names) names.push(list.name as string);
        else foundBy.set(hit.id, [list.name as string]);
      }
    }
    // How peaked a list is shows over its top hits, not over the one or two a sub-query contributes.
    const weights = this.options.fusion === 'entropy-rrf' ? entropyWeights(full) : null;
    const weighted = weights ? lists.map((l, i) => ({ ...l, weight: weights[i] ?? 1 })) : lists;
    return reciprocalRankFusion(weighted, { limit: options.k }).map((hit) => ({ ...hit, foundBy: foundBy.get(hit.id) ?? [] }));
  }
}

/** The whole corrected query first, then each distinct sub-query. */
function queriesOf(plan: QueryPlan): string[] {
  return [...new Set([plan.corrected, ...plan.subQueries])];
}
