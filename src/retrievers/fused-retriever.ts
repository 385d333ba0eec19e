import type { RunContext } from '../core/run-context.js';
import type { RetrieveOptions, ScoredChunk } from '../core/types.js';
import { entropyWeights, normalizedScoreFusion, reciprocalRankFusion, type RankedList } from './fusion.js';
import { Retriever } from './retriever.js';

export type FusionMethod = 'rrf' | 'score' | 'entropy';

export interface FusedMember {
  retriever: Retriever;
  weight: number;
}

/**
 * Any number of retrievers (the OpenSearch tier: BM25 and k-NN) run in parallel and fused by the project's own fusion: reciprocal
 * rank fusion, min-max score fusion, or RRF weighted by each list's entropy (a confident list counts more).
 */
export class FusedRetriever extends Retriever {
  readonly name = 'hybrid';

  constructor(
    private readonly members: readonly FusedMember[],
    private readonly options: { fusion: FusionMethod; candidates: number },
  ) {
    super();
  }

  protected async doRetrieve(query: string, options: RetrieveOptions, ctx: RunContext): Promise<ScoredChunk[]> {
    const k = Math.max(options.k, this.options.candidates);
    const perMember: RetrieveOptions = options.filter ? { k, filter: options.filter } : { k };
    const hits = await Promise.all(this.members.map((m) => m.retriever.retrieve(query, perMember, ctx)));
    const lists: RankedList[] = this.members.map((m, i) => ({ hits: hits[i] ?? [], weight: m.weight, name: m.retriever.name }));
    switch (this.options.fusion) {
      case 'rrf':
        return reciprocalRankFusion(lists, { limit: options.k });
      case 'score':
        return normalizedScoreFusion(lists, { limit: options.k });
      case 'entropy': {
        const weights = entropyWeights(lists);
        return reciprocalRankFusion(
          lists.map((l, i) => ({ ...l, weight: (l.weight ?? 1) * (weights[i] ?? 1) })),
          { limit: options.k },
        );
      }
    }
  }
}
