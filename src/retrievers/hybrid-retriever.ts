import type { RunContext } from '../core/run-context.js';
import type { RetrieveOptions, ScoredChunk } from '../core/types.js';
import { entropyWeights, normalizedScoreFusion, reciprocalRankFusion, type RankedList } from './fusion.js';
import { Retriever } from './retriever.js';

export interface HybridRetrieverOptions {
  /** "rrf": weighted reciprocal rank fusion; "normalized": min-max normalised scores, weighted sum. */
  fusion: 'rrf' | 'normalized';
  /** RRF's k (60 in Cormack et al.). */
  rrfK: number;
  /** How much each list counts. */
  weights: { bm25: number; dense: number };
  /** Scale the weights per query by each list's entropy weight (a peaked score list counts more). */
  entropyWeights: boolean;
  /** Candidates each retriever contributes before fusion (at least the k asked for). */
  depth: number;
}

/**
 * Lexical and dense retrieval fused on chunk ids. Both retrievers run with the same filter to `depth` candidates
 * each; their spans appear in the trace next to this one's and the fusion step's.
 */
export class HybridRetriever extends Retriever {
  readonly name = 'hybrid';

  constructor(
    private readonly lexical: Retriever,
    private readonly dense: Retriever,
    private readonly options: HybridRetrieverOptions,
  ) {
    super();
  }

  protected async doRetrieve(query: string, options: RetrieveOptions, ctx: RunContext): Promise<ScoredChunk[]> {
    const sub: RetrieveOptions = { ...options, k: Math.max(options.k, this.options.depth) };
    // Dense first: its query embedding (a model run or an HTTP call) proceeds while BM25, which is synchronous
    // CPU work, runs; the other way round the embedding would start only after BM25 finished.
    const [dense, lexical] = await Promise.all([this.dense.retrieve(query, sub, ctx), this.lexical.retrieve(query, sub, ctx)]);
    const fused = await ctx.span(`fuse.${this.options.fusion}`, () => this.fuse(lexical, dense, options.k), (r) => ({
      hits: r.hits.length,
      bm25Weight: round(r.weights[0] ?? 0),
      denseWeight: round(r.weights[1] ?? 0),
    }));
    return fused.hits;
  }

  private fuse(lexical: ScoredChunk[], dense: ScoredChunk[], k: number): { hits: ScoredChunk[]; weights: number[] } {
    const lists: RankedList[] = [
      { hits: lexical, weight: this.options.weights.bm25, name: 'bm25' },
      { hits: dense, weight: this.options.weights.dense, name: 'dense' },
    ];
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
