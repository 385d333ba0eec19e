import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfigPath, loadConfig, type Config } from '../../src/core/config.js';
import { Rag } from '../../src/rag.js';
import { launchOpenSearch, launchProblem, type OpenSearchNode } from '../../src/store/opensearch-launcher.js';
import { Embedder } from '../../src/models/embedder.js';
import { ragErrorOfAsync } from '../helpers/errors.js';
import { HashingEmbedder } from '../helpers/hashing-embedder.js';
import { makeTempDir } from '../helpers/tmp.js';

/** Like the real embedders (local ONNX, HTTP): the dimension is known only once the model is loaded. */
class LazyEmbedder extends Embedder {
  private readonly inner: HashingEmbedder;
  private loaded = false;
  constructor(readonly name = 'lazy') {
    super();
    this.inner = new HashingEmbedder({ dimensions: 64, name });
  }
  get dimensions(): number {
    return this.loaded ? this.inner.dimensions : 0;
  }
  async load(): Promise<void> {
    this.loaded = true;
  }
  protected async doEmbed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.inner.vectorOf(t));
  }
}

/** Same name and dimension as a LazyEmbedder, other vectors: a model whose name says nothing of what it computes. */
class ReversedEmbedder extends LazyEmbedder {
  protected override async doEmbed(texts: string[]): Promise<Float32Array[]> {
    return (await super.doEmbed(texts)).map((v) => v.slice().reverse());
  }
}

const problem = launchProblem();

describe.skipIf(problem !== null)('rag opensearch rebuild with an embedder that is loaded lazily', () => {
  let node: OpenSearchNode;
  let config: Config;
  const tmp = makeTempDir('rebuild-embedder-');

  beforeAll(async () => {
    node = await launchOpenSearch({ log: () => undefined });
    config = loadConfig({
      files: [defaultConfigPath],
      overrides: { store: { path: `${tmp.dir}/rag.db` }, server: { logLevel: 'silent' }, retrieval: { backend: 'opensearch' }, opensearch: { nodes: [node.url], index: 'it-lazy', mode: 'hybrid' } },
    });
    // Fill the store of record, with its vectors (through the embedded backend).
    const first = new Rag({ ...config, retrieval: { ...config.retrieval, backend: 'embedded' } }, { embedder: new LazyEmbedder() });
    await first.ingest([{ id: 'a', text: 'Quolls hunt at night in Tasmania.' }]);
    await first.close();
  }, 300_000);

  afterAll(async () => {
    await node?.close();
    tmp.cleanup();
  }, 60_000);

  it('loads the embedder first, so the new index gets a vector field of the right size', async () => {
    // A fresh process (the CLI) calls rebuildSearchIndex() without any query or ingest before it.
    const rag = new Rag(config, { embedder: new LazyEmbedder() });
    try {
      const r = await rag.rebuildSearchIndex();
      expect(r).toMatchObject({ documents: 1, failed: [] });
      const mapping = await rag.search!.client.indices.getMapping({ index: r.index });
      expect(mapping.body[r.index]?.mappings?.properties?.['embedding']).toMatchObject({ type: 'knn_vector', dimension: 64 });
      expect(mapping.body[r.index]?.mappings?._meta).toEqual({ embedding: { model: 'lazy', dimensions: 64 } });
    } finally {
      await rag.close();
    }
  });

  it('refuses an index of another model of the same dimension until it is rebuilt; an index that recorded none takes the model', async () => {
    // The store of record moves to another model of the same dimension (rag reindex --vectors --rebuild).
    const embedded = new Rag({ ...config, retrieval: { ...config.retrieval, backend: 'embedded' } }, { embedder: new LazyEmbedder('lazy-b') });
    await embedded.reindexVectors({ rebuild: true });
    await embedded.close();

    const stale = new Rag(config, { embedder: new LazyEmbedder('lazy-b') });
    try {
      await stale.open();
      const err = await ragErrorOfAsync(() => stale.connectSearch());
      expect(err.code).toBe('CONFIG');
      expect(err.message).toContain('holds vectors from embedding model "lazy", but the configured embedder is "lazy-b"');
      expect(err.message).toContain('rag opensearch rebuild');
      await stale.rebuildSearchIndex();
    } finally {
      await stale.close();
    }

    const rebuilt = new Rag(config, { embedder: new LazyEmbedder('lazy-b') });
    try {
      await rebuilt.open();
      expect(await rebuilt.connectSearch()).toBeNull();
      // As an index built by an older version: no model recorded. Accepted, since the configured model reproduces a
      // sample of its vectors, and from then on it records one.
      const client = rebuilt.search!.client;
      const index = Object.keys((await client.indices.getAlias({ name: 'it-lazy' })).body)[0] ?? '';
      await client.indices.putMapping({ index, body: { _meta: { note: 'older' } } });
    } finally {
      await rebuilt.close();
    }
    const legacy = new Rag(config, { embedder: new LazyEmbedder('lazy-b') });
    try {
      await legacy.open();
      expect(await legacy.connectSearch()).toBeNull();
      const index = Object.keys((await legacy.search!.client.indices.getAlias({ name: 'it-lazy' })).body)[0] ?? '';
      const mapping = await legacy.search!.client.indices.getMapping({ index });
      expect(mapping.body[index]?.mappings?._meta).toMatchObject({ embedding: { model: 'lazy-b', dimensions: 64 } });
    } finally {
      await legacy.close();
    }
  });

  it('refuses an index that recorded no model when the configured embedder does not reproduce its vectors', async () => {
    const setUp = new Rag(config, { embedder: new LazyEmbedder('lazy-b') });
    let index = '';
    try {
      await setUp.open();
      expect(await setUp.connectSearch()).toBeNull();
      index = Object.keys((await setUp.search!.client.indices.getAlias({ name: 'it-lazy' })).body)[0] ?? '';
      // As an index built by an older version: no model recorded.
      await setUp.search!.client.indices.putMapping({ index, body: { _meta: { note: 'older' } } });
    } finally {
      await setUp.close();
    }
    const other = new Rag(config, { embedder: new ReversedEmbedder('lazy-b') });
    try {
      await other.open();
      const err = await ragErrorOfAsync(() => other.connectSearch());
      expect(err.code).toBe('CONFIG');
      expect(err.message).toMatch(/recorded no embedding model .*1 of 1 sampled chunks embedded again differ from their indexed vectors/);
      expect(err.message).toContain('rag opensearch rebuild');
      const mapping = await other.search!.client.indices.getMapping({ index });
      expect(mapping.body[index]?.mappings?._meta).toEqual({ note: 'older' });
    } finally {
      await other.close();
    }
  });
});
