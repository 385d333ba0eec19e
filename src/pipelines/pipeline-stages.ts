import type { PipelineConfig } from '../core/config.js';
import type { RunContext } from '../core/run-context.js';
import type { TextMemo } from '../core/text-memo.js';
import { estimateTokens } from '../core/tokens.js';
import type { Passage, QueryPlan, ReaderResult, ScoredChunk, StoredDocument } from '../core/types.js';
import type { Reader } from '../models/reader.js';
import { sharedRead } from '../models/shared-read.js';
import { selectWithinBudget } from '../refiner/budget-selector.js';
import type { HierarchicalRefiner } from '../refiner/hierarchical-refiner.js';
import type { Reranker } from '../rerankers/reranker.js';
import { IntentRetriever } from '../retrievers/intent-retriever.js';
import { instanceKey } from '../core/instance-key.js';
import type { Retriever } from '../retrievers/retriever.js';
import type { PipelineRunOptions } from './pipeline.js';

export interface PipelineDeps {
  retriever: Retriever;
  /** Retrieval for the plan's whole query and sub-queries, fused; plain RRF over `retriever` when left out. */
  intents?: IntentRetriever;
  /** With `branchBy: retriever`: each retriever of the list (fused in `intents`) alone, one branch each. */
  retrieverMembers?: ReadonlyArray<{ name: string; intents: IntentRetriever }>;
  reranker: Reranker | null;
  reader: Reader;
  memo: TextMemo;
  /** With `refiner: hierarchical`: the refiner, and where the documents' stored structure trees are read. */
  refiner?: { refiner: HierarchicalRefiner; document: (id: string) => StoredDocument | undefined; maxDocuments: number };
}

/**
 * The stages every pipeline kind is made of: retrieve (per sub-query, fused), rerank, select within the token
 * budget. Retrieval and reranking go through the request's memo, so ensemble members and branches asking the
 * same question with the same options share one computation.
 */
export class PipelineStages {
  readonly intents: IntentRetriever;

  constructor(
    readonly config: PipelineConfig,
    readonly deps: PipelineDeps,
  ) {
    this.intents = deps.intents ?? new IntentRetriever(deps.retriever, { fusion: 'rrf', subQueryDepth: 2 });
  }

  get reader(): Reader {
    return this.deps.reader;
  }

  /** Retrieved and reranked chunks for the plan, best first (shared within the request). */
  async ranked(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext): Promise<ScoredChunk[]> {
    const { reranker } = this.deps;
    const retrieveOptions = options.filter ? { k: options.k ?? this.config.retrieveK, filter: options.filter } : { k: options.k ?? this.config.retrieveK };
    // The retriever is part of the key: ensemble members with different retrievers must not share hits.
    const planKey = JSON.stringify([instanceKey(this.intents.retriever), plan.corrected, plan.subQueries, retrieveOptions]);
    const hits = await ctx.memo.get(`retrieve\u0000${planKey}`, () => this.intents.retrieve(plan, retrieveOptions, ctx));
    if (!reranker) return hits.slice(0, this.config.rerankK);
    // The reranker and reader see the whole corrected query; the plan's sub-queries only drive retrieval.
    const rerankKey = `rerank\u0000${instanceKey(reranker)}\u0000${plan.corrected}\u0000${this.config.rerankK}\u0000${planKey}`;
    return ctx.memo.get(rerankKey, () => reranker.rerank(plan.corrected, hits, { k: this.config.rerankK }, ctx));
  }

  /**
   * The context within the token budget: with the hierarchical refiner, the whole documents of the top chunks
   * refined from their stored structure (LongRefiner); otherwise, or when none of them is stored, chunks taken
   * whole in rank order.
   */
  async select(query: string, ranked: readonly ScoredChunk[], options: PipelineRunOptions, ctx: RunContext): Promise<Passage[]> {
    const budget = options.contextTokens ?? this.config.contextTokens;
    const refined = this.config.refiner === 'hierarchical' ? await this.refine(query, ranked, budget, ctx) : null;
    if (refined) return refined;
    return ctx.span('select.budget', () => selectWithinBudget(ranked, budget, this.countTokens), (p) => ({
      passages: p.length,
      tokens: p.reduce((s, x) => s + x.tokens, 0),
      budget,
    }));
  }

  /** Chunks as passages, every one whole (no budget): what a search shows. */
  whole(chunks: readonly ScoredChunk[]): Passage[] {
    return selectWithinBudget(chunks, Number.POSITIVE_INFINITY, this.countTokens);
  }

  /** A chunk's tokens, counted once per chunk text. */
  private readonly countTokens = (c: ScoredChunk): number => this.deps.memo.get('tokens', c.id, c.text, estimateTokens);

  /** The reader's answer to the question from these passages, shared within the request (`sharedRead`). */
  async read(query: string, passages: readonly Passage[], ctx: RunContext): Promise<ReaderResult> {
    return sharedRead(this.deps.reader, query, passages, ctx);
  }

  /** Retrieve, rerank and select: the passages to answer from. */
  async context(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext): Promise<Passage[]> {
    return this.select(plan.corrected, await this.ranked(plan, options, ctx), options, ctx);
  }

  /** The documents of the top chunks (in the order of their best chunk), refined as wholes; null when none is stored. */
  private async refine(query: string, ranked: readonly ScoredChunk[], budget: number, ctx: RunContext): Promise<Passage[] | null> {
    const wired = this.deps.refiner;
    if (!wired) return null;
    const ids = [...new Set(ranked.map((c) => c.docId))].slice(0, wired.maxDocuments);
    const documents = ids.flatMap((id) => {
      const d = wired.document(id);
      return d ? [{ docId: d.id, title: d.title, structure: d.structure }] : [];
    });
    if (documents.length === 0) return null;
    const r = await wired.refiner.refine(query, documents, budget, ctx);
    return r.passages.length > 0 ? r.passages : null;
  }

  /** A plan for another query of the same request (a follow-up round, a branch): no sub-queries of its own. */
  static followUp(plan: QueryPlan, query: string): QueryPlan {
    return { original: plan.original, corrected: query, corrections: plan.corrections, subQueries: [] };
  }
}
