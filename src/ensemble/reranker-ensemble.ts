import type { RerankerEnsembleConfig } from '../core/config.js';
import type { RunContext } from '../core/run-context.js';
import type { ScoredChunk } from '../core/types.js';
import { Reranker, keptRetrievalOrder } from '../rerankers/reranker.js';
import { bordaFusion, reciprocalRankFusion, type RankedList } from '../retrievers/fusion.js';

export type RerankerEnsembleOptions = Pick<RerankerEnsembleConfig, 'aggregation' | 'rrfK' | 'weights'>;

/**
 * A module-level ensemble of rerankers (DESIGN, "Ensemble"): every member orders all the candidates, concurrently,
 * and the orders are aggregated on chunk ids, by weighted reciprocal rank or by weighted Borda count; the
 * aggregate score replaces the members' scores, which are on scales of their own (logits, BM25, LLM ranks). A
 * member whose model failed and whose stand-in kept the retrieval order (saying so in `degraded`) is left out of the
 * vote: counted, the retrieval order outvoted the members that answered. When every member gave way, the retrieval
 * order stands. A member without a stand-in (`fallback: none`) fails the ranking, as one reranker would.
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
    const lists: RankedList[] = this.members.flatMap((m, i) => {
      const hits = rankings[i] ?? [];
      return keptRetrievalOrder(hits) ? [] : [{ hits, weight: this.options.weights[m.name] ?? 1, name: m.name }];
    });
    if (lists.length === 0) return chunks.slice(0, options.k);
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
