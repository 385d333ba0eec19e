import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchOpenSearch, launchProblem, type OpenSearchNode } from '../../src/store/opensearch-launcher.js';
import { ingestDocs, retrieveHits, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { tinyModels } from '../helpers/tiny-models.js';
import { makeTempDir } from '../helpers/tmp.js';

/*
 * The OpenSearch backend with an embedder configured (the tiny ONNX one, loaded from its folder as a deployment's
 * would be): the store of record gets the vectors too, so a restart finds none missing.
 */
const problem = launchProblem();

describe.skipIf(problem !== null)('OpenSearch with an embedder: the store of record keeps the vectors', () => {
  let node: OpenSearchNode;
  const tmp = makeTempDir('os-embedder-');
  const settings = (index: string): Record<string, unknown> => ({
    store: { path: `${tmp.dir}/${index}.db` },
    cache: { enabled: false },
    embeddings: { provider: 'local', modelPath: tinyModels().embedder },
    retrieval: { backend: 'opensearch' },
    opensearch: { nodes: [node.url], index, mode: 'hybrid' },
  });

  beforeAll(async () => {
    node = await launchOpenSearch({ log: () => undefined });
  }, 300_000);

  afterAll(async () => {
    await node?.close();
    tmp.cleanup();
  }, 60_000);

  it('ingests into an empty store with vectors, starts again, and ingests again', async () => {
    let fx: HttpFixture | null = await startHttpFixture(settings('it-emb'));
    try {
      await ingestDocs(fx.app, [
        { id: 'quoll', text: 'Quolls hunt at night in Tasmania.' },
        { id: 'guide', title: 'Install guide', format: 'markdown', text: '# Install\n\n## Linux\n\nRun the installer as an administrator.' },
      ]);
      const status = fx.rag.store.vectorStatus();
      // Without them the next start refused: "2 of 2 chunks without a vector ... rag reindex --vectors".
      expect(status.vectors).toBe(status.chunks);
      expect(status.space).toMatchObject({ dimensions: 32 });
      await fx.close();

      fx = await startHttpFixture(settings('it-emb'));
      // A store with vectors: every ingest was a 500 CONFIG ("must be ingested with that embedder configured"),
      // after the documents had been written to OpenSearch and not to the store.
      expect((await ingestDocs(fx.app, [{ id: 'bilby', text: 'Bilbies dig burrows in the desert.' }])).documents).toBe(1);
      expect(fx.rag.store.vectorStatus()).toMatchObject({ chunks: 3, vectors: 3 });
      expect((await fx.app.inject({ method: 'GET', url: '/v1/documents/bilby' })).statusCode).toBe(200);
      expect((await retrieveHits(fx.app, 'bilbies burrows desert')).map((h) => h.docId)).toContain('bilby');
    } finally {
      await fx?.rag.search?.drop();
      await fx?.close();
    }
  }, 120_000);

  it('runs the retriever a retrieval names on the cluster (bm25, dense, hybrid); unnamed, opensearch.mode', async () => {
    const fx = await startHttpFixture(settings('it-named'));
    try {
      await ingestDocs(fx.app, [
        { id: 'quoll', text: 'Quolls hunt at night in Tasmania.' },
        { id: 'bilby', text: 'Bilbies dig burrows in the desert.' },
      ]);
      const sources = async (extra: Record<string, unknown>): Promise<string[]> => [...new Set((await retrieveHits(fx.app, 'bilbies', extra)).map((h) => h.source))];
      // Refused before: 'retriever "dense" needs an embedding model, and none is configured; available: bm25'.
      expect(await sources({ retriever: 'dense' })).toEqual(['opensearch-knn']);
      expect(await sources({ retriever: 'hybrid' })).toEqual(['fusion']);
      // Ran hybrid (opensearch.mode) before.
      expect(await sources({ retriever: 'bm25' })).toEqual(['opensearch-bm25']);
      expect(await sources({})).toEqual(['fusion']);
    } finally {
      await fx.rag.search?.drop();
      await fx.close();
    }
  }, 120_000);
});
