import { describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import type { QueryPlan, RetrieveOptions, ScoredChunk } from '../../../src/core/types.js';
import { IntentRetriever } from '../../../src/retrievers/intent-retriever.js';
import { Retriever } from '../../../src/retrievers/retriever.js';

const hit = (id: string, score: number): ScoredChunk => ({ id, docId: id.split('#')[0] as string, text: id, score, source: 'fake' });

/** Fixed ranked lists per query. */
class FakeRetriever extends Retriever {
  readonly name = 'fake';
  readonly asked: string[] = [];
  constructor(private readonly lists: Record<string, ScoredChunk[]>) {
    super();
  }
  protected doRetrieve(query: string, options: RetrieveOptions): ScoredChunk[] {
    this.asked.push(query);
    return (this.lists[query] ?? []).slice(0, options.k);
  }
}

const plan = (corrected: string, subQueries: string[]): QueryPlan => ({ original: corrected, corrected, corrections: [], subQueries });

const LISTS = {
  'whole q': [hit('a#0', 9), hit('b#0', 8), hit('c#0', 7), hit('d#0', 6)],
  'sub one': [hit('b#0', 5), hit('x#0', 4), hit('a#0', 3)],
  'sub two': [hit('y#0', 9), hit('b#0', 2)],
};

describe('IntentRetriever', () => {
  it('one plain retrieval when the plan has no sub-queries, every hit found by the query', async () => {
    const r = new FakeRetriever(LISTS);
    const hits = await new IntentRetriever(r, { fusion: 'rrf', subQueryDepth: 2 }).retrieve(plan('whole q', ['whole q']), { k: 10 }, new RunContext());
    expect(r.asked).toEqual(['whole q']);
    expect(hits.map((h) => h.id)).toEqual(['a#0', 'b#0', 'c#0', 'd#0']);
    expect(hits.every((h) => h.source === 'fake' && h.foundBy?.join() === 'whole q')).toBe(true);
  });

  it('retrieves for the whole query and each sub-query, fuses by RRF, dedupes by chunk id and records foundBy', async () => {
    const r = new FakeRetriever(LISTS);
    const ctx = new RunContext();
    const hits = await new IntentRetriever(r, { fusion: 'rrf', subQueryDepth: 2 }).retrieve(plan('whole q', ['sub one', 'sub two']), { k: 10 }, ctx);
    expect(r.asked).toEqual(['whole q', 'sub one', 'sub two']);
    const ids = hits.map((h) => h.id);
    expect(new Set(ids).size).toBe(ids.length);
    // b is in all three lists: first. Each sub-query adds only its top 2 (a is third in "sub one": not from it).
    expect(ids[0]).toBe('b#0');
    expect(hits.find((h) => h.id === 'b#0')?.foundBy).toEqual(['whole q', 'sub one', 'sub two']);
    expect(hits.find((h) => h.id === 'a#0')?.foundBy).toEqual(['whole q']);
    expect(hits.find((h) => h.id === 'x#0')?.foundBy).toEqual(['sub one']);
    expect(hits.find((h) => h.id === 'y#0')?.foundBy).toEqual(['sub two']);
    expect(hits.every((h) => h.source === 'fusion')).toBe(true);
    expect(ctx.trace.spans.find((s) => s.name === 'retrieve.intents')?.attrs).toMatchObject({ queries: 3, fusion: 'rrf' });
  });

  it('retrieves each query once per request: a branch asking a sub-query alone finds it done', async () => {
    const r = new FakeRetriever(LISTS);
    const intents = new IntentRetriever(r, { fusion: 'rrf', subQueryDepth: 2 });
    const ctx = new RunContext();
    await intents.retrieve(plan('whole q', ['sub one', 'sub two']), { k: 10 }, ctx);
    const alone = await intents.retrieve(plan('sub one', []), { k: 10 }, ctx);
    expect(alone.map((h) => h.id)).toEqual(['b#0', 'x#0', 'a#0']);
    // Other options are another retrieval; another request shares nothing.
    await intents.retrieve(plan('sub one', []), { k: 2 }, ctx);
    await intents.retrieve(plan('sub one', []), { k: 10 }, new RunContext());
    expect(r.asked).toEqual(['whole q', 'sub one', 'sub two', 'sub one', 'sub one']);
  });

  it('k bounds the fused list', async () => {
    const hits = await new IntentRetriever(new FakeRetriever(LISTS), { fusion: 'rrf', subQueryDepth: 5 }).retrieve(
      plan('whole q', ['sub one', 'sub two']),
      { k: 3 },
      new RunContext(),
    );
    expect(hits).toHaveLength(3);
  });

  it('entropy-weighted fusion lets a peaked list count more than a flat one', async () => {
    const lists = {
      whole: [hit('flat1#0', 5), hit('flat2#0', 4.99), hit('flat3#0', 4.98), hit('flat4#0', 4.97)],
      peaked: [hit('sharp#0', 20), hit('p2#0', 1), hit('p3#0', 0.9), hit('p4#0', 0.8)],
    };
    const rrf = await new IntentRetriever(new FakeRetriever(lists), { fusion: 'rrf', subQueryDepth: 4 }).retrieve(plan('whole', ['peaked']), { k: 10 }, new RunContext());
    const ent = await new IntentRetriever(new FakeRetriever(lists), { fusion: 'entropy-rrf', subQueryDepth: 4 }).retrieve(
      plan('whole', ['peaked']),
      { k: 10 },
      new RunContext(),
    );
    // Plain RRF breaks the tie at rank 1 by id; the entropy weights put the peaked list's best first.
    expect(rrf[0]?.id).toBe('flat1#0');
    expect(ent[0]?.id).toBe('sharp#0');
  });
});
