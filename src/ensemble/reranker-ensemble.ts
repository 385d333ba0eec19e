import type { RerankerEnsembleConfig } from '../core/config.js';
import type { RunContext } from '../core/run-context.js';
import type { ScoredChunk } from '../core/types.js';
import { Reranker } from '../rerankers/reranker.js';
import { bordaFusion, reciprocalRankFusion, type RankedList } from '../retrievers/fusion.js';

export type RerankerEnsembleOptions = Pick<RerankerEnsembleConfig, 'aggregation' | 'rrfK' | 'weights'>;

/**
 * A module-level ensemble of rerankers (DESIGN, "Ensemble"): every member orders all the candidates, concurrently,
 * and the orders are aggregated on chunk ids, by weighted reciprocal rank or by weighted Borda count; the
 * aggregate score replaces the members' scores, which are on scales of their own (logits, BM25, LLM ranks). A
 * member that fails fails the ranking: a reranker's server being down is an error, as with one reranker.
 */
export class RerankerEnsemble extends Reranker {
  readonly name: string;

  /** `members` by the names the configuration gives them, which `weights` uses. */
  constructor(
    private readonly members: ReadonlyArray<{ name: string; reranker: Reranker }>,
    private readonly options: RerankerEnsembleOptions,
  ) {
    super();
    this.name = members.map((m) => m.name).join('+');
  }

  protected async doRerank(query: string, chunks: ScoredChunk[], options: { k: number }, ctx: RunContext): Promise<ScoredChunk[]> {
    if (chunks.length === 0) return [];
    const rankings = await Promise.all(this.members.map((m) => m.reranker.rerank(query, chunks, { k: chunks.length }, ctx)));
    const lists: RankedList[] = this.members.map((m, i) => ({ hits: rankings[i] ?? [], weight: this.options.weights[m.name] ?? 1, name: m.name }));
    const { aggregation } = this.options;
    return ctx.span(
      `rerank.aggregate.${aggregation}`,
      () => {
        const fused =
          aggregation === 'borda'
            ? bordaFusion(lists, { candidates: chunks.length, limit: options.k })
            : reciprocalRankFusion(lists, { k: this.options.rrfK, limit: options.k });
        return fused.map((c) => ({ ...c, source: this.name }));
      },
      (out) => ({ in: chunks.length, out: out.length, ...Object.fromEntries(lists.map((l) => [`${l.name ?? ''}Weight`, l.weight ?? 1])) }),
    );
  }
}
