import { describe, expect, it } from 'vitest';
import { RagError } from '../../../src/core/errors.js';
import { RunContext } from '../../../src/core/run-context.js';
import type { RetrieveOptions, ScoredChunk } from '../../../src/core/types.js';
import { FallbackRetriever } from '../../../src/retrievers/fallback-retriever.js';
import { FusedRetriever } from '../../../src/retrievers/fused-retriever.js';
import { Retriever } from '../../../src/retrievers/retriever.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';

const hit = (id: string, score: number, source: string): ScoredChunk => ({ id, docId: id.split('#')[0] ?? id, text: id, score, source });

/** A retriever with a fixed answer (or failure), recording what it was asked. */
class FixedRetriever extends Retriever {
  readonly asked: RetrieveOptions[] = [];
  constructor(
    readonly name: string,
    private readonly answer: ScoredChunk[] | RagError,
  ) {
    super();
  }
  protected doRetrieve(_query: string, options: RetrieveOptions): ScoredChunk[] {
    this.asked.push(options);
    if (this.answer instanceof RagError) throw this.answer;
    return this.answer.slice(0, options.k);
  }
}

describe('FusedRetriever', () => {
  const bm25 = (): FixedRetriever => new FixedRetriever('bm25', [hit('a#0', 9, 'bm25'), hit('b#0', 5, 'bm25'), hit('c#0', 1, 'bm25')]);
  const knn = (): FixedRetriever => new FixedRetriever('knn', [hit('c#0', 0.9, 'knn'), hit('a#0', 0.8, 'knn'), hit('d#0', 0.1, 'knn')]);

  it('asks each member for its candidates with the filter, and fuses by chunk id with RRF', async () => {
    const [b, k] = [bm25(), knn()];
    const hybrid = new FusedRetriever([{ retriever: b, weight: 1 }, { retriever: k, weight: 1 }], { fusion: 'rrf', candidates: 50 });
    const ctx = new RunContext();
    const hits = await hybrid.retrieve('q', { k: 3, filter: { lang: 'en' } }, ctx);
    expect(b.asked).toEqual([{ k: 50, filter: { lang: 'en' } }]);
    // a: 1/61 + 1/62, c: 1/63 + 1/61, b: 1/62, d: 1/63.
    expect(hits.map((h) => h.id)).toEqual(['a#0', 'c#0', 'b#0']);
    expect(hits.every((h) => h.source === 'fusion')).toBe(true);
    expect(ctx.trace.spans.map((s) => s.name).sort()).toEqual(['retrieve.bm25', 'retrieve.hybrid', 'retrieve.knn']);
  });

  it('weights members, and fuses by normalised score or by entropy-weighted ranks', async () => {
    const knnHeavy = new FusedRetriever([{ retriever: bm25(), weight: 0.1 }, { retriever: knn(), weight: 1 }], { fusion: 'rrf', candidates: 10 });
    expect((await knnHeavy.retrieve('q', { k: 1 }, new RunContext()))[0]?.id).toBe('c#0');
    const score = new FusedRetriever([{ retriever: bm25(), weight: 1 }, { retriever: knn(), weight: 1 }], { fusion: 'score', candidates: 10 });
    // a: 1 + 0.875, c: 0 + 1, b: 0.5 + 0: min-max normalised sums.
    expect((await score.retrieve('q', { k: 3 }, new RunContext())).map((h) => h.id)).toEqual(['a#0', 'c#0', 'b#0']);
    const entropy = new FusedRetriever([{ retriever: bm25(), weight: 1 }, { retriever: knn(), weight: 1 }], { fusion: 'entropy', candidates: 10 });
    expect(await entropy.retrieve('q', { k: 4 }, new RunContext())).toHaveLength(4);
  });
});

describe('FallbackRetriever', () => {
  const backup = (): FixedRetriever => new FixedRetriever('bm25', [hit('x#0', 3, 'bm25')]);

  it('answers from the fallback when the primary is UNAVAILABLE, and records why in the trace', async () => {
    const primary = new FixedRetriever('opensearch-bm25', new RagError('UNAVAILABLE', 'OpenSearch unreachable (search): ECONNREFUSED'));
    const ctx = new RunContext();
    const hits = await new FallbackRetriever(primary, backup()).retrieve('q', { k: 5 }, ctx);
    expect(hits.map((h) => h.source)).toEqual(['bm25']);
    const span = ctx.trace.spans.find((s) => s.name === 'retrieve.fallback');
    expect(span?.attrs).toEqual({ from: 'opensearch-bm25', to: 'bm25', reason: 'OpenSearch unreachable (search): ECONNREFUSED', hits: 1 });
  });

  it('records a degradation, and sends the rest of the request (sub-queries) to the fallback at once', async () => {
    const primary = new FixedRetriever('opensearch-bm25', new RagError('UNAVAILABLE', 'OpenSearch timed out (search): Request timed out'));
    const retriever = new FallbackRetriever(primary, backup());
    const ctx = new RunContext();
    await retriever.retrieve('q', { k: 5 }, ctx);
    await retriever.retrieve('sub-query', { k: 5 }, ctx);
    expect(primary.asked).toHaveLength(1);
    expect(ctx.degradations).toEqual([
      { stage: 'retrieve', reason: 'opensearch-bm25 timeout', fallback: 'bm25', message: 'OpenSearch timed out (search): Request timed out; retrieved by bm25 instead' },
    ]);
  });

  it('uses the primary when it answers, and never hides other errors', async () => {
    const ok = new FixedRetriever('opensearch-bm25', [hit('p#0', 1, 'opensearch-bm25')]);
    const fallback = backup();
    expect((await new FallbackRetriever(ok, fallback).retrieve('q', { k: 5 }, new RunContext()))[0]?.id).toBe('p#0');
    expect(fallback.asked).toEqual([]);
    const broken = new FixedRetriever('opensearch-bm25', new RagError('INTERNAL', 'OpenSearch rejected search (400)'));
    expect((await ragErrorOfAsync(() => new FallbackRetriever(broken, backup()).retrieve('q', { k: 5 }, new RunContext()))).code).toBe('INTERNAL');
  });
});
