import { describe, expect, it } from 'vitest';
import { RagError } from '../../../src/core/errors.js';
import { RunContext } from '../../../src/core/run-context.js';
import type { ScoredChunk } from '../../../src/core/types.js';
import { RerankerEnsemble } from '../../../src/ensemble/reranker-ensemble.js';
import { Reranker, type RerankerFallback } from '../../../src/rerankers/reranker.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';

const chunk = (id: string, score = 0): ScoredChunk => ({ id, docId: id, text: `text ${id}`, score, source: 'bm25' });
const CHUNKS = ['a', 'b', 'c', 'd', 'e'].map((id, i) => chunk(id, 5 - i));

/** A reranker that puts the chunks in a fixed order of ids (or fails), recording the k it was asked for. */
class OrderReranker extends Reranker {
  readonly asked: number[] = [];
  constructor(
    readonly name: string,
    private readonly order: string[] | RagError,
  ) {
    super();
  }
  protected doRerank(_query: string, chunks: ScoredChunk[], options: { k: number }): ScoredChunk[] {
    this.asked.push(options.k);
    if (this.order instanceof RagError) throw this.order;
    const order = this.order;
    return [...chunks].sort((x, y) => order.indexOf(x.id) - order.indexOf(y.id)).map((c, i) => ({ ...c, score: 100 - i, source: this.name }));
  }
}

/** Members under their rerankers' names. */
const named = (...rerankers: Reranker[]) => rerankers.map((reranker) => ({ name: reranker.name, reranker }));

describe('RerankerEnsemble', () => {
  const lexical = (): OrderReranker => new OrderReranker('lexical', ['a', 'b', 'c', 'd', 'e']);
  const cross = (): OrderReranker => new OrderReranker('cross', ['e', 'c', 'a', 'b', 'd']);

  it('has every member rank all the candidates and aggregates by weighted reciprocal rank, cut to k', async () => {
    const [l, c] = [lexical(), cross()];
    const ensemble = new RerankerEnsemble(named(l, c), { aggregation: 'rrf', rrfK: 60, weights: {} });
    const ctx = new RunContext();
    const out = await ensemble.rerank('q', CHUNKS, { k: 3 }, ctx);
    expect(l.asked).toEqual([5]);
    expect(c.asked).toEqual([5]);
    // a: 1/61 + 1/63; c: 1/63 + 1/62; e: 1/65 + 1/61; b: 1/62 + 1/64.
    expect(out.map((h) => h.id)).toEqual(['a', 'c', 'e']);
    expect(out[0]?.score).toBeCloseTo(1 / 61 + 1 / 63, 12);
    expect(out.every((h) => h.source === 'lexical+cross')).toBe(true);
    const spans = ctx.trace.spans.map((s) => s.name);
    expect(spans).toEqual(expect.arrayContaining(['rerank.lexical', 'rerank.cross', 'rerank.aggregate.rrf', 'rerank.lexical+cross']));
    expect(ctx.trace.spans.find((s) => s.name === 'rerank.aggregate.rrf')?.attrs).toEqual({ in: 5, out: 3, lexicalWeight: 1, crossWeight: 1 });
  });

  it('lets a member weigh more, and aggregates by Borda count', async () => {
    const heavy = new RerankerEnsemble(named(lexical(), cross()), { aggregation: 'rrf', rrfK: 60, weights: { cross: 3 } });
    expect((await heavy.rerank('q', CHUNKS, { k: 1 }, new RunContext()))[0]?.id).toBe('e');
    const borda = new RerankerEnsemble(named(lexical(), cross()), { aggregation: 'borda', rrfK: 60, weights: {} });
    const out = await borda.rerank('q', CHUNKS, { k: 5 }, new RunContext());
    // a: 5/5 + 3/5; c: 3/5 + 4/5; e: 1/5 + 5/5; b: 4/5 + 2/5; d: 2/5 + 1/5.
    expect(out.map((h) => h.id)).toEqual(['a', 'c', 'b', 'e', 'd']);
    expect(out.map((h) => h.score)).toEqual([1.6, 1.4, 1.2, 1.2, 0.6].map((x) => expect.closeTo(x, 12)));
  });

  it('fails when a member fails, with the member\'s error', async () => {
    const broken = new OrderReranker('llm', new RagError('UNAVAILABLE', 'LLM server down'));
    const err = await ragErrorOfAsync(() => new RerankerEnsemble(named(lexical(), broken), { aggregation: 'rrf', rrfK: 60, weights: {} }).rerank('q', CHUNKS, { k: 3 }, new RunContext()));
    expect(err.code).toBe('UNAVAILABLE');
  });

  it('leaves a member whose stand-in kept the retrieval order out of the vote, saying so; all of them, the retrieval order', async () => {
    /** A model reranker whose server is down and whose stand-in keeps the retrieval order (fallback: retrieval-order). */
    class DownReranker extends OrderReranker {
      protected override get fallback(): RerankerFallback {
        return { reserveMs: 0 };
      }
    }
    const down = (name: string): DownReranker => new DownReranker(name, new RagError('UNAVAILABLE', `${name} server down`));
    const ctx = new RunContext();
    const out = await new RerankerEnsemble(named(down('tei'), down('coh'), cross()), { aggregation: 'borda', rrfK: 60, weights: {} }).rerank('q', CHUNKS, { k: 5 }, ctx);
    // Before, the two stand-ins' retrieval order outvoted the one member that answered, 2 to 1.
    expect(out.map((h) => h.id)).toEqual(['e', 'c', 'a', 'b', 'd']);
    // One note for the ranking naming both members that gave way, and that the member that answered ranked (each
    // member's own note said "retrieval order", which was not what ranked, and the answer carried only the first).
    expect(ctx.degradations).toEqual([
      {
        stage: 'rerank',
        reason: 'tei unavailable; coh unavailable',
        fallback: 'cross',
        message: 'tei server down; coh server down; ranked by cross alone',
      },
    ]);
    const allDown = new RunContext();
    const none = await new RerankerEnsemble(named(down('tei'), down('coh')), { aggregation: 'rrf', rrfK: 60, weights: {} }).rerank('q', CHUNKS, { k: 3 }, allDown);
    expect(none.map((h) => h.id)).toEqual(['a', 'b', 'c']);
    expect(allDown.degradations).toEqual([
      { stage: 'rerank', reason: 'tei unavailable; coh unavailable', fallback: 'retrieval order', message: 'tei server down; coh server down; ranked by the retrieval order' },
    ]);
  });

  it('returns nothing for no candidates without asking the members', async () => {
    const l = lexical();
    expect(await new RerankerEnsemble(named(l, cross()), { aggregation: 'borda', rrfK: 60, weights: {} }).rerank('q', [], { k: 3 }, new RunContext())).toEqual([]);
    expect(l.asked).toEqual([]);
  });
});
