import { cpSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentInput } from '../../src/core/types.js';
import { HttpEmbedder, type HttpEmbedderOptions } from '../../src/models/http-embedder.js';
import { Rag, type RagOptions } from '../../src/rag.js';
import { spaceOf } from '../../src/store/embedding-space.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { writeTinyModel } from '../../scripts/tiny-models/tiny-models.js';
import { ragErrorOf, ragErrorOfAsync } from '../helpers/errors.js';
import { httpTestConfig } from '../helpers/http-fixture.js';
import { startJsonServer, type JsonServer } from '../helpers/json-server.js';
import { tinyModels } from '../helpers/tiny-models.js';
import { makeTempDir } from '../helpers/tmp.js';

/**
 * A store records which model made its vectors by what the model is (its weights; an endpoint and model name), not
 * by the embedder's kind: another model of the same dimension is refused, a moved folder is not.
 */

const DOCS: DocumentInput[] = [
  { id: 'stars', title: 'Stars', text: 'Stars are giant balls of hot plasma held together by their own gravity.' },
  { id: 'pasta', title: 'Cooking', text: 'Pasta should be boiled in salted water for about ten minutes.' },
  { id: 'tides', title: 'Tides', text: 'Tides rise and fall twice a day, pulled by the gravity of the moon.' },
];

let tmp: { dir: string; cleanup: () => void };
let otherModel: string;
const open: Rag[] = [];
beforeAll(() => {
  tmp = makeTempDir('rag-identity-');
  // Same architecture and dimension (32) as the tiny embedder, other weights.
  otherModel = join(tmp.dir, 'other-model');
  writeTinyModel(otherModel, 'encoder', 7);
});
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});
afterAll(() => tmp.cleanup());

let storeNo = 0;
const storePath = (): string => join(tmp.dir, `store-${++storeNo}.db`);
const warnings: string[] = [];
const log: RagOptions['log'] = { debug: () => undefined, warn: (_obj, msg) => warnings.push(msg ?? '') };

function localRag(path: string, modelPath: string): Rag {
  const rag = new Rag(httpTestConfig({ store: { path }, embeddings: { provider: 'local', modelPath } }), { log });
  open.push(rag);
  return rag;
}

const meta = (path: string, key: string): string | undefined =>
  (new Database(path, { readonly: true }).prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;

describe('the embedding model a store records', () => {
  it('refuses another local model of the same dimension, naming both models by their weights', async () => {
    const path = storePath();
    const first = localRag(path, tinyModels().embedder);
    await first.init();
    await first.ingest(DOCS);
    const recorded = meta(path, 'embedding.model') ?? '';
    expect(recorded).toMatch(/^local:onnx-sha256=[0-9a-f]{16},dtype=fp32,pooling=mean$/);
    await first.close();
    open.pop();

    const other = localRag(path, otherModel);
    const err = await ragErrorOfAsync(() => other.init());
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain(`"${recorded}" (32 dimensions, from ${tinyModels().embedder})`);
    expect(err.message).toMatch(/configured embedder is "local:onnx-sha256=[0-9a-f]{16},dtype=fp32,pooling=mean" \(32 dimensions, from .*other-model\)/);
    // `rag ingest` goes through the same check: nothing of another model is mixed in.
    expect((await ragErrorOfAsync(() => other.ingest(DOCS))).code).toBe('CONFIG');
  });

  it('accepts the same weights from another folder (a moved model)', async () => {
    const path = storePath();
    const first = localRag(path, tinyModels().embedder);
    await first.ingest(DOCS);
    await first.close();
    open.pop();
    const moved = join(tmp.dir, 'moved-model');
    cpSync(tinyModels().embedder, moved, { recursive: true });
    const again = localRag(path, moved);
    await again.init();
    const hits = await again.retrieve({ query: 'stars plasma', retriever: 'dense', k: 1 });
    expect(hits.hits).toHaveLength(1);
  });

  /** A store ingested with `modelPath`, its record then set back to what an older version wrote: the kind alone. */
  async function legacyStore(modelPath: string, docs: DocumentInput[] = DOCS): Promise<string> {
    const path = storePath();
    if (docs.length === 0) {
      // Never held a vector, but recorded the kind (an older `rag reindex --vectors` over an empty store).
      const store = new SqliteStore(path);
      store.addVectors([], { model: 'local', dimensions: 32 });
      store.close();
      return path;
    }
    const first = localRag(path, modelPath);
    await first.ingest(docs);
    await first.close();
    open.pop();
    const db = new Database(path);
    db.prepare("UPDATE meta SET value = 'local' WHERE key = 'embedding.model'").run();
    db.prepare("DELETE FROM meta WHERE key = 'embedding.source'").run();
    db.close();
    return path;
  }

  it('takes over a legacy record ("local", same dimension) whose vectors the configured model reproduces, saying so, and checks from then on', async () => {
    const path = await legacyStore(tinyModels().embedder);
    warnings.length = 0;
    const upgraded = localRag(path, tinyModels().embedder);
    await upgraded.init();
    expect(meta(path, 'embedding.model')).toMatch(/^local:onnx-sha256=/);
    expect(warnings.join('\n')).toMatch(
      /recorded its vectors' embedding model only as "local".*3 sampled chunks embedded again match their stored vectors.*now records the configured one, "local:onnx-sha256=/,
    );
    await upgraded.close();
    open.pop();

    expect((await ragErrorOfAsync(() => localRag(path, otherModel).init())).code).toBe('CONFIG');
  });

  it('refuses a legacy record whose vectors another model of the same dimension made, naming the command that fixes it', async () => {
    const path = await legacyStore(otherModel);
    const rag = localRag(path, tinyModels().embedder);
    const err = await ragErrorOfAsync(() => rag.init());
    expect(err.code).toBe('CONFIG');
    expect(err.message).toMatch(/recorded its vectors' embedding model only as "local".*3 of 3 sampled chunks embedded again differ from their stored vectors/);
    expect(err.message).toContain('`rag reindex --vectors --rebuild`');
    expect(meta(path, 'embedding.model')).toBe('local');
    // Neither a dense query, an ingestion, nor a backfill of the missing vectors takes the record over.
    expect((await ragErrorOfAsync(() => rag.retrieve({ query: 'stars plasma', retriever: 'dense', k: 1 }))).code).toBe('CONFIG');
    expect((await ragErrorOfAsync(() => rag.ingest([{ id: 'new', title: 'New', text: 'Something else entirely.' }]))).code).toBe('CONFIG');
    expect((await ragErrorOfAsync(() => rag.reindexVectors())).code).toBe('CONFIG');
    expect(meta(path, 'embedding.model')).toBe('local');

    // The fix the message names: every vector recomputed with the configured model.
    const rebuilt = await rag.reindexVectors({ rebuild: true });
    expect(rebuilt.written).toBe(DOCS.length);
    expect(meta(path, 'embedding.model')).toMatch(/^local:onnx-sha256=/);
    await rag.init();
    expect((await rag.retrieve({ query: 'stars plasma', retriever: 'dense', k: 1 })).hits).toHaveLength(1);
  });

  it('takes over a legacy record with no vectors as it is', async () => {
    const path = await legacyStore(tinyModels().embedder, []);
    warnings.length = 0;
    const rag = localRag(path, tinyModels().embedder);
    await rag.init();
    expect(meta(path, 'embedding.model')).toMatch(/^local:onnx-sha256=/);
    expect(warnings.join('\n')).toMatch(/only as "local".*it holds no vectors yet, so it now records the configured one/);
    await rag.ingest(DOCS);
    expect((await rag.retrieve({ query: 'stars plasma', retriever: 'dense', k: 1 })).hits).toHaveLength(1);
  });

  it('does not take a legacy record over by another kind of embedder or another dimension', () => {
    const store = new SqliteStore(join(tmp.dir, 'legacy-http.db'));
    try {
      store.addVectors([], { model: 'http', dimensions: 4 });
      const local = { model: 'local:onnx-sha256=0123456789abcdef,dtype=fp32,pooling=mean', dimensions: 4 };
      expect(ragErrorOf(() => store.checkSpace(local)).message).toContain('"http" (4 dimensions)');
      expect(ragErrorOf(() => store.checkSpace({ model: 'http:http://h/v1/embeddings#model=m', dimensions: 8 })).code).toBe('CONFIG');
      // Same kind and dimension: taken over only once its vectors were checked (checkLegacySpace), never unchecked.
      expect(ragErrorOf(() => store.checkSpace({ model: 'http:http://h/v1/embeddings#model=m', dimensions: 4 })).message).toContain('rag reindex --vectors --rebuild');
      expect(store.embeddingSpace()?.model).toBe('http');
      expect(store.checkSpace({ model: 'http:http://h/v1/embeddings#model=m', dimensions: 4 }, { legacyVerified: true })).toEqual({ model: 'http', dimensions: 4 });
      expect(store.embeddingSpace()?.model).toBe('http:http://h/v1/embeddings#model=m');
      expect(ragErrorOf(() => store.checkSpace({ model: 'http:http://h/v1/embeddings#model=other', dimensions: 4 })).code).toBe('CONFIG');
    } finally {
      store.close();
    }
  });
});

describe('an HTTP embedder’s identity', () => {
  let server: JsonServer;
  beforeAll(async () => {
    server = await startJsonServer(() => ({ body: { data: [{ index: 0, embedding: [0.1, 0.2, 0.3] }] } }));
  });
  afterAll(() => server.close());

  const options = (over: Partial<HttpEmbedderOptions>): HttpEmbedderOptions => ({
    url: `${server.url}/v1`,
    timeoutMs: 2000,
    concurrency: 1,
    batchSize: 8,
    queryPrefix: '',
    passagePrefix: '',
    normalize: true,
    maxRetries: 0,
    retryBaseMs: 10,
    retryMaxMs: 1000,
    ...over,
  });

  it('is the endpoint and the model asked for, without credentials or query', async () => {
    const a = new HttpEmbedder(options({ model: 'embed-a' }));
    const b = new HttpEmbedder(options({ model: 'embed-b' }));
    await Promise.all([a.load(), b.load()]);
    expect(spaceOf(a).model).toBe(`http:${server.url}/v1/embeddings#model=embed-a`);
    expect(spaceOf(a).model).not.toBe(spaceOf(b).model);
    const withKey = new HttpEmbedder(options({ url: server.url.replace('http://', 'http://user:secret@') + '/v1?x=1', model: 'embed-a' }));
    expect(withKey.identity).not.toContain('secret');
  });

  it('another model name on the same server is refused by a store made with the first', async () => {
    const store = new SqliteStore(join(tmp.dir, 'http-store.db'));
    try {
      const a = new HttpEmbedder(options({ model: 'embed-a' }));
      const b = new HttpEmbedder(options({ model: 'embed-b' }));
      await Promise.all([a.load(), b.load()]);
      store.addVectors([], spaceOf(a));
      const err = ragErrorOf(() => store.checkSpace(spaceOf(b)));
      expect(err.message).toContain('#model=embed-a');
      expect(err.message).toContain('#model=embed-b');
    } finally {
      store.close();
    }
  });
});
