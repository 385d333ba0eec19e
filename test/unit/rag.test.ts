import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunContext } from '../../src/core/run-context.js';
import type { DocumentInput } from '../../src/core/types.js';
import { Rag, type RagOptions } from '../../src/rag.js';
import { ragErrorOf, ragErrorOfAsync } from '../helpers/errors.js';
import { HashingEmbedder } from '../helpers/hashing-embedder.js';
import { httpTestConfig } from '../helpers/http-fixture.js';
import { writeFtsTheOldWay } from '../helpers/store.js';
import { makeTempDir } from '../helpers/tmp.js';

/** Rag's wiring of an embedder: which retrievers exist, start-up checks of the store's vectors, reindexing. */

const DOCS: DocumentInput[] = [
  { id: 'volcano', title: 'Volcanoes', text: 'Lava flows from the crater when the volcano erupts.' },
  { id: 'glacier', title: 'Glaciers', text: 'Glacier ice moves slowly down the valley and carves it.' },
  { id: 'reef', title: 'Coral reefs', text: 'Warm water bleaches the coral of the reef.' },
];

let tmp: { dir: string; cleanup: () => void };
const open: Rag[] = [];
beforeAll(() => {
  tmp = makeTempDir('rag-wiring-');
});
afterEach(() => {
  while (open.length > 0) open.pop()?.close();
});
afterAll(() => tmp.cleanup());

let fileNo = 0;
function make(overrides: Record<string, unknown> = {}, options: RagOptions = {}): Rag {
  const rag = new Rag(httpTestConfig(overrides), options);
  open.push(rag);
  return rag;
}
const filePath = (): string => join(tmp.dir, `rag-${++fileNo}.db`);

describe('Rag retrievers', () => {
  it('offers bm25 only without an embedder, and bm25, dense and hybrid with one', () => {
    expect([...make().retrievers.keys()]).toEqual(['bm25']);
    expect([...make({}, { embedder: new HashingEmbedder() }).retrievers.keys()]).toEqual(['bm25', 'dense', 'hybrid']);
  });

  it('refuses a pipeline that asks for dense or hybrid retrieval without an embedder, naming the pipeline', () => {
    for (const retriever of ['dense', 'hybrid']) {
      const err = ragErrorOf(() => make({ pipelines: { semantic: { kind: 'sequential', retriever } }, defaultPipeline: 'semantic' }));
      expect(err.code).toBe('CONFIG');
      expect(err.message).toContain('pipelines.semantic.retriever');
      expect(err.message).toContain(`"${retriever}"`);
      expect(err.message).toContain('no embedder is configured');
    }
  });

  it('answers a retrieve request for dense without an embedder with BAD_REQUEST', async () => {
    const rag = make();
    await rag.ingest(DOCS);
    const err = await ragErrorOfAsync(() => rag.retrieve({ query: 'lava', k: 3, retriever: 'dense' }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toContain('retriever "dense" needs an embedding model');
  });

  it("tells a request that names an ensemble as its pipeline to send it as the ensemble", async () => {
    const rag = make({ ensembles: { both: { members: ['default', 'bm25-only'] } } });
    const err = await ragErrorOfAsync(() => rag.query({ query: 'lava', pipeline: 'both' }));
    expect(err.code).toBe('UNKNOWN_PIPELINE');
    expect(err.message).toContain('"both" is an ensemble, not a pipeline: ask for it as the ensemble (--ensemble both, or "ensemble": "both" in a request)');
    // And the other way round: a pipeline asked for as an ensemble (before, a plain "unknown ensemble").
    const other = await ragErrorOfAsync(() => rag.query({ query: 'lava', ensemble: 'bm25-only' }));
    expect(other.code).toBe('UNKNOWN_ENSEMBLE');
    expect(other.message).toBe('"bm25-only" is a pipeline, not an ensemble: ask for it as the pipeline (--pipeline bm25-only, or "pipeline": "bm25-only" in a request); ensembles configured: both');
    expect((await ragErrorOfAsync(() => rag.query({ query: 'lava', ensemble: 'nope' }))).message).toBe('unknown ensemble "nope"; configured: both');
  });

  it('calls a retriever name it does not know unknown, not one that needs a model', async () => {
    const rag = make();
    // A JavaScript caller is not held to the type; before, "foo" was said to need an embedding model.
    const err = await ragErrorOfAsync(() => rag.retrieve({ query: 'lava', retriever: 'foo' as never }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toBe('unknown retriever "foo"; available: bm25');
  });

  it('runs a pipeline on the hybrid retriever, both sub-retrievers in its trace', async () => {
    const rag = make({ pipelines: { default: { kind: 'sequential', retriever: 'hybrid' } } }, { embedder: new HashingEmbedder() });
    await rag.ingest(DOCS);
    const r = await rag.query({ query: 'what happens when a volcano erupts?' });
    expect(r.citations[0]?.docId).toBe('volcano');
    const names = r.trace.spans.map((s) => s.name);
    for (const name of ['retrieve.bm25', 'retrieve.dense', 'fuse.rrf', 'retrieve.hybrid', 'pipeline.default']) expect(names).toContain(name);
  });

  it('loads the embedder once, however many operations need it', async () => {
    const embedder = new HashingEmbedder();
    const rag = make({}, { embedder });
    await rag.open();
    await rag.ingest(DOCS);
    await rag.retrieve({ query: 'coral', k: 2, retriever: 'dense' });
    await rag.open();
    expect(embedder.loads).toBe(1);
  });
});

describe('Rag start-up checks of the stored vectors', () => {
  it('fails to open a file store whose vectors came from another model, naming both and how to rebuild', async () => {
    const path = filePath();
    const first = make({ store: { path } }, { embedder: new HashingEmbedder({ dimensions: 64, name: 'model-a' }) });
    await first.ingest(DOCS);
    first.close();
    for (const other of [new HashingEmbedder({ dimensions: 64, name: 'model-b' }), new HashingEmbedder({ dimensions: 32, name: 'model-a' })]) {
      const rag = make({ store: { path } }, { embedder: other });
      const err = await ragErrorOfAsync(() => rag.open());
      expect(err.code).toBe('CONFIG');
      expect(err.message).toContain(`store ${path}`);
      expect(err.message).toContain('"model-a" (64 dimensions)');
      expect(err.message).toContain(`"${other.name}" (${other.dimensions} dimensions)`);
      expect(err.message).toContain('rag reindex --vectors --rebuild');
      // Every operation that needs the vectors fails the same way.
      expect((await ragErrorOfAsync(() => rag.ingest(DOCS))).message).toBe(err.message);
    }
  });

  it('fails to open a store whose chunks lack vectors, until `reindexVectors` computes them', async () => {
    const path = filePath();
    const plain = make({ store: { path } });
    await plain.ingest(DOCS);
    plain.close();

    const embedder = new HashingEmbedder({ name: 'late-model' });
    const rag = make({ store: { path } }, { embedder });
    const err = await ragErrorOfAsync(() => rag.open());
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('3 of 3 chunks without a vector');
    expect(err.message).toContain('rag reindex --vectors');

    const progress: number[] = [];
    const r = await rag.reindexVectors({ batchSize: 2, onProgress: (done) => progress.push(done) });
    expect(r.written).toBe(3);
    expect(progress).toEqual([0, 2, 3]);
    await rag.open();
    const hits = (await rag.retrieve({ query: 'glacier ice in the valley', k: 1, retriever: 'dense' })).hits;
    expect(hits[0]).toMatchObject({ docId: 'glacier', source: 'dense' });
  });

  it('rebuilds vectors for a new model, and drops them to go back to BM25 only', async () => {
    const path = filePath();
    const first = make({ store: { path } }, { embedder: new HashingEmbedder({ name: 'old' }) });
    await first.ingest(DOCS);
    first.close();

    const rag = make({ store: { path } }, { embedder: new HashingEmbedder({ name: 'new', dimensions: 96 }) });
    expect((await ragErrorOfAsync(() => rag.reindexVectors())).message).toContain('--rebuild');
    expect((await rag.reindexVectors({ rebuild: true })).written).toBe(3);
    await rag.open();
    expect(rag.store.embeddingSpace()).toEqual({ model: 'new', dimensions: 96 });
    rag.close();

    const plain = make({ store: { path } });
    expect((await ragErrorOfAsync(() => plain.ingest([{ id: 'x', text: 'no vector' }]))).message).toContain('rag reindex --drop-vectors');
    plain.dropVectors();
    await plain.ingest([{ id: 'x', text: 'no vector' }]);
    expect(plain.store.vectorStatus()).toEqual({ space: null, chunks: 4, vectors: 0 });
  });

  it('needs an embedder to compute vectors', async () => {
    const err = await ragErrorOfAsync(() => make().reindexVectors());
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('no embedder is configured');
  });

  it('tries a failed embedder load again on the next operation', async () => {
    class Flaky extends HashingEmbedder {
      override async load(): Promise<void> {
        await super.load();
        if (this.loads === 1) throw new Error('model server not up yet');
      }
    }
    const embedder = new Flaky();
    const rag = make({}, { embedder });
    await expect(rag.open()).rejects.toThrow('model server not up yet');
    await rag.ingest(DOCS, new RunContext());
    expect(embedder.loads).toBe(2);
  });
});

describe('Rag on a full-text index an older version wrote', () => {
  it('says how many chunks the store indexed again as it opened, and the fts5 engine finds a CJK question\'s chunk', async () => {
    const path = filePath();
    const fts5 = { store: { path }, retrieval: { bm25: { engine: 'fts5' } } };
    const first = make(fts5);
    await first.ingest([...DOCS, { id: 'ja', title: '製品マニュアル', text: '本製品の保証期間は購入日から三年間です。' }]);
    first.close();
    writeFtsTheOldWay(path);

    const warnings: string[] = [];
    const rag = make(fts5, { log: { debug: () => undefined, warn: (_obj, msg) => warnings.push(msg ?? '') } });
    expect(warnings).toEqual([expect.stringContaining(`store ${path}'s full-text index was written by an older version`)]);
    expect(warnings[0]).toContain('1 of its 4 chunks were indexed again');
    const hits = (await rag.retrieve({ query: '保証期間は何年ですか？', k: 1 })).hits;
    expect(hits[0]).toMatchObject({ docId: 'ja' });
    // Opened again, the store has nothing more to do, nor to say.
    rag.close();
    warnings.length = 0;
    make(fts5, { log: { debug: () => undefined, warn: (_obj, msg) => warnings.push(msg ?? '') } });
    expect(warnings).toEqual([]);
  });

  it('warns when another process\'s write keeps it from doing so, unless the store holds no chunks yet', async () => {
    const warnings: string[] = [];
    const debug: string[] = [];
    const log = { debug: (_obj: object, msg?: string) => debug.push(msg ?? ''), warn: (_obj: object, msg?: string) => warnings.push(msg ?? '') };
    const openWhileWritten = async (docs: DocumentInput[], engine: 'fts5' | 'memory'): Promise<void> => {
      const path = filePath();
      const first = make({ store: { path } });
      await first.ingest(docs);
      first.close();
      writeFtsTheOldWay(path);
      const other = new Database(path);
      other.prepare('BEGIN IMMEDIATE').run();
      try {
        make({ store: { path }, retrieval: { bm25: { engine } } }, { log });
      } finally {
        other.prepare('ROLLBACK').run();
        other.close();
      }
    };
    await openWhileWritten([], 'fts5');
    await openWhileWritten(DOCS, 'fts5');
    expect(warnings).toEqual([expect.stringContaining('could not be brought up to date now')]);
    expect(warnings[0]).toContain('is being written by another process');
    // With the in-memory engine (the default) the fts index is not searched: the news is for the debug log.
    warnings.length = 0;
    debug.length = 0;
    await openWhileWritten(DOCS, 'memory');
    expect(warnings).toEqual([]);
    expect(debug).toEqual([expect.stringContaining('could not be brought up to date now')]);
  });
});

describe('Rag writes', () => {
  const batch = (version: string): DocumentInput[] => [
    ...Array.from({ length: 200 }, (_v, i) => ({ id: `filler-${i}`, text: `Filler document ${i} about kettles.` })),
    { id: 'x', text: `The ${version} version of x.` },
  ];

  it('take effect in the order they arrive, though a large batch is still being prepared when a small one comes', async () => {
    const rag = make();
    const written: string[] = [];
    const large = rag.ingest(batch('old')).then(() => written.push('large'));
    // The second request arrives on a later turn of the event loop, while the first is being prepared.
    await new Promise((resolve) => setImmediate(resolve));
    const small = rag.ingest([{ id: 'x', text: 'The new version of x.' }]).then(() => written.push('small'));
    await Promise.all([large, small]);
    expect(written).toEqual(['large', 'small']);
    expect(JSON.stringify(rag.store.getDocument('x'))).toContain('new version');
  });

  it('so does a deletion: a document deleted after its batch arrived stays deleted', async () => {
    const rag = make();
    const ingested = rag.ingest(batch('first'));
    await new Promise((resolve) => setImmediate(resolve));
    const deleted = rag.deleteDocument('x');
    await ingested;
    expect(await deleted).toBe(true);
    expect(rag.store.getDocument('x')).toBeUndefined();
  });

  it('deletes several documents in one write of the store, in order with the others', async () => {
    const rag = make();
    const ingested = rag.ingest(batch('first'));
    const version = rag.store.version();
    const deleted = rag.deleteDocuments(['x', 'nope', 'x']);
    await ingested;
    expect(await deleted).toEqual(['x']);
    expect(rag.store.getDocument('x')).toBeUndefined();
    // The batch's commit, then one for the deletion.
    expect(rag.store.version()).toBe(version + 2);
  });

  it('go on after a write that failed', async () => {
    const rag = make();
    const bad = rag.ingest([{ id: 'bad', text: ' ' }]);
    const good = rag.ingest([{ id: 'good', text: 'A good document.' }]);
    await expect(bad).rejects.toThrow(/text is empty/);
    await expect(good).resolves.toMatchObject({ documents: 1 });
  });

  it('take a signal, as queries do: an aborted batch stores nothing', async () => {
    const rag = make();
    const controller = new AbortController();
    controller.abort();
    await expect(rag.ingest(batch('aborted'), { signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(rag.store.counts().documents).toBe(0);
    await expect(rag.ingest([{ id: 'y', text: 'Kept.' }], { signal: new AbortController().signal })).resolves.toMatchObject({ documents: 1 });
  });
});

describe('Rag search-index rebuild', () => {
  it('remembers that the index lacks the documents a rebuild could not copy, rather than clear the mismatch', async () => {
    const rag = make();
    await rag.ingest(DOCS);
    rag.store.markSearchMismatch('an ingestion failed part-way');
    // The search index stands in for OpenSearch here: the rebuild copied all but one document, then switched.
    const copied = { index: 'it.v2', documents: 2, chunks: 2, failed: [{ id: 'reef', status: 400, reason: 'mapper_parsing_exception' }] };
    Object.defineProperty(rag, 'search', { value: { rebuild: async () => copied, close: () => undefined } });
    await rag.rebuildSearchIndex();
    // Before, a rebuild cleared the mismatch whatever it copied, and /readyz said the index agreed with the store.
    expect(rag.store.searchMismatch()).toBe('the last rebuild could not copy 1 document to OpenSearch (reef); run `rag opensearch rebuild` again');
    Object.defineProperty(rag, 'search', { value: { rebuild: async () => ({ ...copied, documents: 3, failed: [] }), close: () => undefined } });
    await rag.rebuildSearchIndex();
    expect(rag.store.searchMismatch()).toBeNull();
  });
});

describe('Rag close', () => {
  it('waits for the work under way, then refuses more with a coded error', async () => {
    const rag = new Rag(httpTestConfig());
    await rag.ingest(DOCS);
    const query = rag.query({ query: 'what carves the valley?' });
    const ingest = rag.ingest([{ id: 'late', text: 'A batch under way when close is called.' }]);
    await rag.close();
    await expect(query).resolves.toMatchObject({ answer: expect.stringMatching(/Glacier/) });
    await expect(ingest).resolves.toMatchObject({ documents: 1 });
    for (const after of [() => rag.query({ query: 'lava' }), () => rag.retrieve({ query: 'lava' }), () => rag.ingest(DOCS), () => rag.deleteDocument('reef')]) {
      await expect(after()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/this Rag instance is closed/) });
    }
    expect(() => rag.warm()).toThrow(/closed/);
    await rag.close();
  });

  it('lets a stream finish the step under way, and ends one resumed after close with the same error', async () => {
    const rag = new Rag(httpTestConfig());
    await rag.ingest(DOCS);
    const stream = rag.stream({ query: 'what carves the valley?' });
    const first = stream.next();
    const closing = rag.close();
    await expect(first).resolves.toMatchObject({ value: { event: 'plan' } });
    await closing;
    await expect(stream.next()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/this Rag instance is closed/) });
    await expect(rag.stream({ query: 'lava' }).next()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('Rag requests in process', () => {
  it('are held to the bounds the HTTP API holds them to', async () => {
    const rag = make();
    await rag.ingest(DOCS);
    await expect(rag.retrieve({ query: 'lava', k: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/k must be a whole number from 1 to limits.maxK/) });
    await expect(rag.query({ query: 'lava', k: 2.5 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(rag.query({} as unknown as { query: string })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'query must be a string; got undefined' });
    await expect(rag.query({ query: 'q'.repeat(5000) })).rejects.toMatchObject({ message: expect.stringMatching(/longer than limits.maxQueryChars/) });
    // 2,052 characters (4,097 UTF-16 units) are within 4,096, as the HTTP schema counts them.
    await expect(rag.retrieve({ query: `lava ${'😀'.repeat(2046)}` })).resolves.toMatchObject({ hits: expect.any(Array) });
    await expect(rag.retrieve({ query: 'lava' })).resolves.toMatchObject({ hits: [expect.objectContaining({ docId: 'volcano' })] });
    await expect(rag.stream({ query: 'lava', k: 0 }).next()).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/k must be a whole number/) });
  });

  it('hold contextTokens to the HTTP bounds, and refuse an ingest that is no list of documents', async () => {
    const rag = make();
    await rag.ingest(DOCS);
    // Before: a budget of 1 token was accepted and silently abstained; over HTTP it is 32 to 32768.
    await expect(rag.query({ query: 'lava', contextTokens: 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'contextTokens must be a whole number from 32 to 32768; got 1' });
    // Before: "inputs.entries is not a function", a TypeError from deep inside.
    for (const [input, got] of [[{ id: 'x', text: 'one' }, 'object'], [undefined, 'undefined'], [null, 'null'], ['text', 'string']] as const) {
      await expect(rag.ingest(input as never)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: `ingest takes an array of documents ({ id, text, ... }); got ${got}` });
    }
  });

  it('hold a filter to the HTTP bounds, and leave out a key given as undefined, as JSON does', async () => {
    const rag = make();
    await rag.ingest(DOCS.map((d) => ({ ...d, meta: { lang: 'en' } })));
    // Before: a RangeError from SQLite ("Too few parameter values were provided").
    const nested = { lang: { en: true } } as unknown as Record<string, string>;
    await expect(rag.retrieve({ query: 'lava', filter: nested })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'filter.lang: must be a string, number or boolean; got object' });
    await expect(rag.query({ query: 'lava', filter: { lang: ['en'] } as unknown as Record<string, string> })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/filter.lang: .* got an array/) });
    // Before: { lang: undefined } matched nothing, and its empty answer was then served, from the cache, to a
    // request with no filter key at all (`filter: {}`), whose cache key is the same.
    const lang: string | undefined = undefined;
    await expect(rag.retrieve({ query: 'lava', filter: { lang } as unknown as Record<string, string> })).resolves.toMatchObject({ hits: [expect.objectContaining({ docId: 'volcano' })] });
    await expect(rag.retrieve({ query: 'lava', filter: {} })).resolves.toMatchObject({ hits: [expect.objectContaining({ docId: 'volcano' })] });
    expect((await rag.query({ query: 'where does lava flow from?', filter: { lang, docId: 'volcano' } as unknown as Record<string, string> })).citations).toHaveLength(1);
  });
});

describe('Rag in a caller loop', () => {
  it('gives the event loop a turn before a query or retrieval resolves, so a loop of them is no single job', async () => {
    // An extractive answer never waits on I/O: without the turn, a caller's loop ran every query in one job of
    // microtasks, and V8 kept every WeakRef target of the job (the requests' abort signals) alive to its end.
    const rag = make({ store: { path: filePath() } });
    await rag.ingest(DOCS);
    let turned = false;
    setImmediate(() => (turned = true));
    await rag.query({ query: 'what happens when the volcano erupts?' });
    expect(turned).toBe(true);
    turned = false;
    setImmediate(() => (turned = true));
    await rag.retrieve({ query: 'glacier ice', k: 2 });
    expect(turned).toBe(true);
  });
});
