import type { RerankerEnsembleConfig } from '../core/config.js';
import type { RunContext } from '../core/run-context.js';
import type { Degradation, ScoredChunk } from '../core/types.js';
import { Reranker, keptRetrievalOrder } from '../rerankers/reranker.js';
import { bordaFusion, reciprocalRankFusion, type RankedList } from '../retrievers/fusion.js';

export type RerankerEnsembleOptions = Pick<RerankerEnsembleConfig, 'aggregation' | 'rrfK' | 'weights'>;

/**
 * A module-level ensemble of rerankers (DESIGN, "Ensemble"): every member orders all the candidates, concurrently,
 * and the orders are aggregated on chunk ids, by weighted reciprocal rank or by weighted Borda count; the
 * aggregate score replaces the members' scores, which are on scales of their own (logits, BM25, LLM ranks). A
 * member whose model failed and whose stand-in kept the retrieval order (saying so in `degraded`) is left out of the
 * vote: counted, the retrieval order outvoted the members that answered. When every member gave way, the retrieval
 * order stands. A member without a stand-in (`fallback: none`) fails the ranking, as one reranker would. The
 * answer's `degraded` names every member that gave way and what ranked instead (the others, or the retrieval order).
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
    // The members' stand-ins are noted here, not on the request: a member's own note says the retrieval order
    // stood, which is true of the ensemble only when every member gave way.
    const stoodIn: Degradation[] = [];
    const members = ctx.child(undefined, stoodIn);
    const rankings = await Promise.all(this.members.map((m) => m.reranker.rerank(query, chunks, { k: chunks.length }, members)));
    const lists: RankedList[] = this.members.flatMap((m, i) => {
      const hits = rankings[i] ?? [];
      return keptRetrievalOrder(hits) ? [] : [{ hits, weight: this.options.weights[m.name] ?? 1, name: m.name }];
    });
    if (stoodIn.length > 0) ctx.degradations.push(ensembleDegradation(stoodIn, lists.map((l) => l.name ?? '')));
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

/**
 * One note for the ranking, from its members' stand-ins: every member that gave way (the reasons and messages of
 * all of them, not only the first), and what ranked instead: the members that answered, or the retrieval order.
 */
function ensembleDegradation(stoodIn: readonly Degradation[], answered: readonly string[]): Degradation {
  const fallback = answered.length > 0 ? answered.join('+') : 'retrieval order';
  const message = `${stoodIn.map((d) => d.message).join('; ')}; ranked by ${answered.length > 0 ? answered.join(' and ') + ' alone' : 'the retrieval order'}`;
  return { stage: 'rerank', reason: stoodIn.map((d) => d.reason).join('; '), fallback, message };
}
