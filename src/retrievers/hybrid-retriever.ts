import type { RunContext } from '../core/run-context.js';
import type { RetrieveOptions, ScoredChunk } from '../core/types.js';
import { entropyWeights, normalizedScoreFusion, reciprocalRankFusion, type RankedList } from './fusion.js';
import { Retriever } from './retriever.js';

export interface HybridRetrieverOptions {
  /** "rrf": weighted reciprocal rank fusion; "normalized": min-max normalised scores, weighted sum. */
  fusion: 'rrf' | 'normalized';
  /** RRF's k (60 in Cormack et al.). */
  rrfK: number;
  /** How much each member's list counts, by the member's name (1 for a member left out). */
  weights: Readonly<Record<string, number>>;
  /** Scale the weights per query by each list's entropy weight (a peaked score list counts more). */
  entropyWeights: boolean;
  /** Candidates each retriever contributes before fusion (at least the k asked for). */
  depth: number;
}

/**
 * Several retrievers fused on chunk ids: lexical and dense (the "hybrid" retriever), or any module-level ensemble
 * of retrievers a pipeline configures. Every member runs with the same filter to `depth` candidates; their spans
 * appear in the trace next to this one's and the fusion step's.
 */
export class HybridRetriever extends Retriever {
  private readonly startOrder: readonly Retriever[];

  /** `members` by the names `weights` and the fusion span use: "bm25", "dense" (whatever backend serves them). */
  constructor(
    private readonly members: ReadonlyArray<{ name: string; retriever: Retriever }>,
    private readonly options: HybridRetrieverOptions,
    readonly name = 'hybrid',
  ) {
    super();
    // Members that work on the calling thread (in-memory BM25) start last: an embedding call or a search request
    // started before them proceeds while they run; the other way round it would start only after they finished.
    const retrievers = members.map((m) => m.retriever);
    this.startOrder = [...retrievers.filter((r) => !r.synchronous), ...retrievers.filter((r) => r.synchronous)];
  }

  protected async doRetrieve(query: string, options: RetrieveOptions, ctx: RunContext): Promise<ScoredChunk[]> {
    const sub: RetrieveOptions = { ...options, k: Math.max(options.k, this.options.depth) };
    const started = new Map(this.startOrder.map((m) => [m, m.retrieve(query, sub, ctx)]));
    const hits = await Promise.all(this.members.map((m) => started.get(m.retriever) as Promise<ScoredChunk[]>));
    const fused = await ctx.span(`fuse.${this.options.fusion}`, () => this.fuse(hits, options.k), (r) => ({
      hits: r.hits.length,
      ...Object.fromEntries(this.members.map((m, i) => [`${m.name}Weight`, round(r.weights[i] ?? 0)])),
    }));
    return fused.hits;
  }

  private fuse(hits: readonly ScoredChunk[][], k: number): { hits: ScoredChunk[]; weights: number[] } {
    const lists: RankedList[] = this.members.map((m, i) => ({ hits: hits[i] ?? [], weight: this.options.weights[m.name] ?? 1, name: m.name }));
    if (this.options.entropyWeights) {
      const scale = entropyWeights(lists);
      lists.forEach((list, i) => {
        list.weight = (list.weight ?? 1) * (scale[i] ?? 1);
      });
    }
    const fused =
      this.options.fusion === 'rrf' ? reciprocalRankFusion(lists, { k: this.options.rrfK, limit: k }) : normalizedScoreFusion(lists, { limit: k });
    return { hits: fused.map((hit) => ({ ...hit, source: this.name })), weights: lists.map((l) => l.weight ?? 1) };
  }
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;
