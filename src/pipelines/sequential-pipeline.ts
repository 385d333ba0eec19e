import type { PipelineConfig } from '../core/config.js';
import type { RunContext } from '../core/run-context.js';
import type { TextMemo } from '../core/text-memo.js';
import { estimateTokens } from '../core/tokens.js';
import { RagError } from '../core/errors.js';
import type { Citation, Passage, PipelineResult, QueryPlan, ReaderResult, ScoredChunk, StoredDocument } from '../core/types.js';
import type { Reader } from '../models/reader.js';
import { selectWithinBudget } from '../refiner/budget-selector.js';
import type { HierarchicalRefiner } from '../refiner/hierarchical-refiner.js';
import type { Reranker } from '../rerankers/reranker.js';
import { IntentRetriever } from '../retrievers/intent-retriever.js';
import type { Retriever } from '../retrievers/retriever.js';
import { Pipeline, type PipelineEvent, type PipelineRunOptions } from './pipeline.js';

export interface SequentialPipelineDeps {
  retriever: Retriever;
  /** Retrieval for the plan's whole query and sub-queries, fused; plain RRF over `retriever` when left out. */
  intents?: IntentRetriever;
  reranker: Reranker | null;
  reader: Reader;
  memo: TextMemo;
  /** With `refiner: hierarchical`: the refiner, and where the documents' stored structure trees are read. */
  refiner?: { refiner: HierarchicalRefiner; document: (id: string) => StoredDocument | undefined; maxDocuments: number };
}

export const NO_ANSWER = 'I could not find an answer to that in the indexed documents.';

/** The base pipeline: retrieve -> rerank (optional) -> budgeted context -> read -> answer with citations. */
export class SequentialPipeline extends Pipeline {
  readonly kind = 'sequential';
  private readonly intents: IntentRetriever;

  constructor(
    name: string,
    private readonly config: PipelineConfig,
    private readonly deps: SequentialPipelineDeps,
  ) {
    super(name);
    this.intents = deps.intents ?? new IntentRetriever(deps.retriever, { fusion: 'rrf', subQueryDepth: 2 });
  }

  protected async doRun(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext): Promise<PipelineResult> {
    const passages = await this.context(plan, options, ctx);
    return this.result(await this.deps.reader.answer(plan.corrected, passages, ctx), passages);
  }

  protected override async *doStream(
    plan: QueryPlan,
    options: PipelineRunOptions,
    ctx: RunContext,
  ): AsyncGenerator<PipelineEvent, PipelineResult, undefined> {
    const passages = await this.context(plan, options, ctx);
    yield { type: 'sources', passages };
    let read: ReaderResult | undefined;
    for await (const event of this.deps.reader.stream(plan.corrected, passages, ctx)) {
      if (event.type === 'token') yield event;
      else read = event.result;
    }
    if (!read) throw new RagError('INTERNAL', `reader ${this.deps.reader.name} ended its stream without a result`);
    const result = this.result(read, passages);
    // A reader that cannot stream wrote nothing yet: the answer is the text.
    if (!this.deps.reader.streams && !result.abstained) yield { type: 'token', text: result.answer };
    return result;
  }

  /** Retrieve (per sub-query, fused), rerank and select within the token budget: the passages to answer from. */
  private async context(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext): Promise<Passage[]> {
    const { reranker } = this.deps;
    const retrieveOptions = options.filter ? { k: options.k ?? this.config.retrieveK, filter: options.filter } : { k: options.k ?? this.config.retrieveK };
    // The plan's sub-queries drive retrieval; the reranker and reader still see the whole corrected query.
    const hits = await this.intents.retrieve(plan, retrieveOptions, ctx);
    const ranked = reranker
      ? await reranker.rerank(plan.corrected, hits, { k: this.config.rerankK }, ctx)
      : hits.slice(0, this.config.rerankK);
    const budget = options.contextTokens ?? this.config.contextTokens;
    const refined = this.config.refiner === 'hierarchical' ? await this.refine(plan.corrected, ranked, budget, ctx) : null;
    if (refined) return refined;
    const countTokens = (c: ScoredChunk): number => this.deps.memo.get('tokens', c.id, c.text, estimateTokens);
    return ctx.span('select.budget', () => selectWithinBudget(ranked, budget, countTokens), (p) => ({
      passages: p.length,
      tokens: p.reduce((s, x) => s + x.tokens, 0),
      budget,
    }));
  }

  /**
   * The documents of the top chunks (in the order of their best chunk), refined as wholes under the budget from
   * their stored structure; null (cut chunks instead) when no refiner is wired or none of them is stored.
   */
  private async refine(query: string, ranked: ScoredChunk[], budget: number, ctx: RunContext): Promise<Passage[] | null> {
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

  private result(read: ReaderResult, passages: Passage[]): PipelineResult {
    const best = read.candidates[0];
    const abstained = best === undefined || read.normalizedEntropy > this.config.abstainAbove;
    return {
      pipeline: this.name,
      answer: abstained ? NO_ANSWER : best.text,
      confidence: best?.prob ?? 0,
      candidates: read.candidates,
      entropy: read.entropy,
      normalizedEntropy: read.normalizedEntropy,
      passages,
      citations: abstained ? [] : citationsOf(best.citations, passages),
      abstained,
    };
  }
}

function citationsOf(numbers: number[], passages: Passage[]): Citation[] {
  return numbers.flatMap((n) => {
    const p = passages[n - 1];
    if (!p) return [];
    const citation: Citation = { n, chunkId: p.chunkId, docId: p.docId };
    if (p.title !== undefined) citation.title = p.title;
    if (p.headingPath !== undefined) citation.headingPath = p.headingPath;
    return [citation];
  });
}
