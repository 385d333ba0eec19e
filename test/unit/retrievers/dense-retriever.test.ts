import { afterEach, describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import type { DocumentInput, MetadataFilter } from '../../../src/core/types.js';
import { DenseRetriever } from '../../../src/retrievers/dense-retriever.js';
import { Ingestor } from '../../../src/store/ingestor.js';
import { passageText } from '../../../src/store/passage-text.js';
import { SqliteStore } from '../../../src/store/sqlite-store.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';
import { HashingEmbedder } from '../../helpers/hashing-embedder.js';

const CORPUS: DocumentInput[] = [
  { id: 'astro', title: 'Astronomy', text: 'Telescopes observe distant galaxies and nebulae in the night sky.', meta: { topic: 'science', year: 2020 } },
  { id: 'cook', title: 'Cooking', text: 'Simmer the tomatoes with garlic, basil and olive oil for a rich sauce.', meta: { topic: 'food', year: 2021 } },
  { id: 'garden', title: 'Gardening', text: 'Tomatoes need sun, water and well drained soil to ripen in the garden.', meta: { topic: 'home', year: 2020 } },
  { id: 'sail', title: 'Sailing', text: 'Trim the mainsail and watch the wind when the boat heels on a reach.', meta: { topic: 'sport', year: 2019 } },
  { id: 'code', format: 'markdown', text: '# Programming\n\n## Compilers\n\nA compiler translates source code into machine instructions.', meta: { topic: 'science', year: 2021 } },
];

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

async function setup(embedder = new HashingEmbedder({ dimensions: 128 })) {
  const store = new SqliteStore(':memory:');
  cleanups.push(() => store.close());
  const ingestor = new Ingestor(store, { chunkSize: 400, chunkOverlap: 40, maxDocumentChars: 100_000, embedder });
  await ingestor.ingest(CORPUS);
  return { store, ingestor, embedder, retriever: new DenseRetriever(store, embedder) };
}

const cosine = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

describe('DenseRetriever', () => {
  it('ranks chunks by cosine similarity of query and passage vectors, as ScoredChunks from "dense"', async () => {
    const { store, embedder, retriever } = await setup();
    const ctx = new RunContext();
    const hits = await retriever.retrieve('tomato sauce with garlic', { k: 5 }, ctx);
    expect(hits[0]?.docId).toBe('cook');
    expect(hits).toHaveLength(5);
    const query = embedder.vectorOf('tomato sauce with garlic');
    const passages = new Map([...store.allChunks()].map((c) => [c.rowid, passageText(c)]));
    const byId = new Map(store.chunksByRowid([...passages.keys()]).map((c) => [c.id, passages.get(c.rowid) ?? '']));
    for (const [i, hit] of hits.entries()) {
      expect(hit.source).toBe('dense');
      expect(hit.score).toBeCloseTo(cosine(query, embedder.vectorOf(byId.get(hit.id) ?? '')), 5);
      if (i > 0) expect(hit.score).toBeLessThanOrEqual(hits[i - 1]?.score ?? Infinity);
    }
    expect(hits.find((h) => h.docId === 'code')).toMatchObject({ id: 'code#0', title: 'Programming', headingPath: ['Compilers'] });
    // The query is embedded as a query, and both stages are in the trace.
    expect(embedder.calls.at(-1)).toEqual({ kind: 'query', texts: ['tomato sauce with garlic'] });
    expect(ctx.trace.spans.map((s) => s.name)).toEqual([`embed.${embedder.name}`, 'retrieve.dense']);
    expect(ctx.trace.spans[1]?.attrs).toEqual({ k: 5, hits: 5 });
  });

  it('finds a chunk by its heading path and title, which are embedded with its text', async () => {
    const { retriever } = await setup();
    const [first] = await retriever.retrieve('programming compilers', { k: 1 }, new RunContext());
    expect(first?.docId).toBe('code');
  });

  it('honours filters as BM25 does', async () => {
    const { store, retriever } = await setup();
    const cases: MetadataFilter[] = [{ topic: 'science' }, { topic: 'science', year: 2021 }, { docId: 'garden' }, { topic: 'none' }];
    for (const filter of cases) {
      const hits = await retriever.retrieve('tomatoes galaxies compiler wind', { k: 10, filter }, new RunContext());
      const allowed = new Set(store.chunksByRowid([...store.rowidsMatching(filter)]).map((c) => c.id));
      expect(hits.map((h) => h.id).sort()).toEqual([...allowed].sort());
    }
  });

  it('reflects upserts and deletes', async () => {
    const { store, ingestor, retriever } = await setup();
    const top = async (q: string): Promise<string | undefined> => (await retriever.retrieve(q, { k: 1 }, new RunContext()))[0]?.docId;
    expect(await top('kayak paddle lake')).not.toBe('kayak');
    await ingestor.ingest([{ id: 'kayak', text: 'Paddle the kayak across the calm lake at dawn.' }]);
    expect(await top('kayak paddle lake')).toBe('kayak');
    await ingestor.ingest([{ id: 'kayak', text: 'Now this document is about mountain climbing ropes.' }]);
    expect(await top('mountain climbing ropes')).toBe('kayak');
    store.delete('kayak');
    expect(await top('mountain climbing ropes')).not.toBe('kayak');
    const status = store.vectorStatus();
    expect(status.vectors).toBe(status.chunks);
  });

  it('answers 503 UNAVAILABLE naming the embedder when it fails at query time', async () => {
    const embedder = new HashingEmbedder({ dimensions: 64, name: 'remote-model' });
    const { store } = await setup(embedder);
    class Down extends HashingEmbedder {
      protected override async doEmbed(): Promise<Float32Array[]> {
        throw new Error('ECONNREFUSED 127.0.0.1:8080');
      }
    }
    const retriever = new DenseRetriever(store, new Down({ dimensions: 64, name: 'remote-model' }));
    const err = await ragErrorOfAsync(() => retriever.retrieve('galaxies', { k: 3 }, new RunContext()));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.statusCode).toBe(503);
    expect(err.message).toContain('"remote-model"');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('answers 503 naming the embedder when it gives a zero or non-finite query vector, rather than no hits', async () => {
    const embedder = new HashingEmbedder({ dimensions: 64, name: 'remote-model' });
    const { store } = await setup(embedder);
    for (const value of [0, Number.POSITIVE_INFINITY, Number.NaN]) {
      class Broken extends HashingEmbedder {
        protected override async doEmbed(texts: string[]): Promise<Float32Array[]> {
          return texts.map(() => new Float32Array(64).fill(value));
        }
      }
      const retriever = new DenseRetriever(store, new Broken({ dimensions: 64, name: 'remote-model' }));
      const err = await ragErrorOfAsync(() => retriever.retrieve('galaxies', { k: 3 }, new RunContext()));
      expect(err.statusCode).toBe(503);
      expect(err.message).toContain('embedder "remote-model" returned a zero or non-finite vector for the query');
    }
  });

  it('stops with ABORTED on an aborted context', async () => {
    const { retriever } = await setup();
    const controller = new AbortController();
    controller.abort();
    await expect(retriever.retrieve('galaxies', { k: 3 }, new RunContext({ signal: controller.signal }))).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
