import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RagError } from '../../src/core/errors.js';
import { launchOpenSearch, launchProblem, type OpenSearchNode } from '../../src/store/opensearch-launcher.js';
import { OpenSearchStore } from '../../src/store/opensearch-store.js';
import { expectError, ingestDocs, okBody, postJson, retrieveHits, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { startOpenSearchProxy, type OpenSearchProxy, type ProxiedRequest, type ProxyAction } from '../helpers/opensearch-proxy.js';

/*
 * An ingestion that fails part-way (the node gone after some bulk requests of the batch, or hung) on a real node
 * behind a proxy that fails requests exactly where the test wants: the store and the index must still agree, or
 * the server must say that they do not and how to fix it.
 */
const problem = launchProblem();

const isBulk = (r: ProxiedRequest): boolean => (r.path.split('?')[0] ?? '').endsWith('/_bulk');
const unavailable = { status: 503, body: { error: { type: 'scripted_unavailable', reason: 'scripted outage' }, status: 503 } };
const batch = (version: string): Array<{ id: string; text: string }> => [
  { id: 'keep', text: `The ${version} version about kakapo parrots.` },
  ...[1, 2, 3, 4, 5].map((i) => ({ id: `new${i}`, text: `New document ${i} about takahe birds.` })),
];

describe.skipIf(problem !== null)('OpenSearch and the store of record agree', () => {
  let node: OpenSearchNode;
  let proxy: OpenSearchProxy;
  let rule: (r: ProxiedRequest) => ProxyAction = () => 'pass';
  const open: HttpFixture[] = [];

  beforeAll(async () => {
    node = await launchOpenSearch({ log: () => undefined });
    proxy = await startOpenSearchProxy(node.url, (r) => rule(r));
  }, 300_000);

  afterAll(async () => {
    rule = () => 'pass';
    for (const fx of open) {
      await fx.rag.search?.drop().catch(() => undefined);
      await fx.close();
    }
    await proxy?.close();
    await node?.close();
  }, 60_000);

  async function start(index: string, extra: Record<string, unknown> = {}): Promise<HttpFixture> {
    const fx = await startHttpFixture({
      cache: { enabled: false },
      retrieval: { backend: 'opensearch' },
      // One document per bulk request pair: the batch of six takes three requests.
      opensearch: { nodes: [proxy.url], index, maxRetries: 0, requestTimeoutMs: 2000, bulk: { batchSize: 2 } },
      ...extra,
    });
    open.push(fx);
    return fx;
  }

  /** What the node itself holds (not through the proxy): document id -> text of chunk 0. */
  async function indexed(index: string): Promise<Record<string, string>> {
    await fetch(`${node.url}/${index}/_refresh`, { method: 'POST' });
    const res = await fetch(`${node.url}/${index}/_search?size=100`);
    const body = (await res.json()) as { hits: { hits: Array<{ _source: { docId: string; text: string } }> } };
    return Object.fromEntries(body.hits.hits.map((h) => [h._source.docId, h._source.text]));
  }

  async function readiness(fx: HttpFixture): Promise<{ ready: boolean; reason?: string }> {
    return (await fx.app.inject({ method: 'GET', url: '/readyz' })).json<{ ready: boolean; reason?: string }>();
  }

  it('takes back what the batch wrote before the failure: 503, and the index holds what the store holds', async () => {
    const fx = await start('it-undo');
    await ingestDocs(fx.app, batch('original').slice(0, 1));
    const before = proxy.bulks;
    let failed = false;
    // The third bulk request of the batch fails; everything after it (the taking back) goes through.
    rule = (r) => {
      if (!isBulk(r) || failed || proxy.bulks < before + 2) return 'pass';
      failed = true;
      return unavailable;
    };
    const err = expectError(await postJson(fx.app, '/v1/documents', { documents: batch('replacing') }), 503, 'UNAVAILABLE');
    rule = () => 'pass';
    expect(err.message).toContain('taken back');
    // Before: new1..new4 stayed in OpenSearch (and keep was the new version) while the store had none of them.
    expect(await indexed('it-undo')).toEqual({ keep: 'The original version about kakapo parrots.' });
    expectError(await fx.app.inject({ method: 'GET', url: '/v1/documents/new1' }), 404);
    expect((await readiness(fx)).reason).toBeUndefined();
  });

  it('when taking back fails too (the node gone), says so, and /readyz asks for a rebuild until one is made', async () => {
    const fx = await start('it-mismatch');
    await ingestDocs(fx.app, batch('original').slice(0, 1));
    const before = proxy.bulks;
    let down = false;
    rule = (r) => {
      if (isBulk(r) && proxy.bulks >= before + 2) down = true;
      return down ? 'drop' : 'pass';
    };
    const err = expectError(await postJson(fx.app, '/v1/documents', { documents: batch('replacing') }), 503, 'UNAVAILABLE');
    rule = () => 'pass';
    expect(err.message).toContain('rag opensearch rebuild');
    expect(Object.keys(await indexed('it-mismatch')).sort()).toEqual(['keep', 'new1', 'new2', 'new3']);
    const ready = await eventually(async () => {
      const r = await readiness(fx);
      if (!r.ready) throw new Error(r.reason);
      return r;
    });
    expect(ready.reason).toMatch(/^degraded: OpenSearch may hold documents the store does not: .*run `rag opensearch rebuild`/);

    await fx.rag.rebuildSearchIndex();
    expect(await indexed('it-mismatch')).toEqual({ keep: 'The original version about kakapo parrots.' });
    expect((await readiness(fx)).reason).toBeUndefined();
  });

  it('a collection deleted while running is created again and filled from the store, not served empty', async () => {
    const fx = await start('it-refill');
    await ingestDocs(fx.app, batch('original'));
    const aliased = (await (await fetch(`${node.url}/_alias/it-refill`)).json()) as Record<string, unknown>;
    for (const index of Object.keys(aliased)) await fetch(`${node.url}/${index}`, { method: 'DELETE' });
    // The first query may find it gone (503); after that it answers from the refilled collection. Before, every
    // query answered 200 with no hits, and /readyz was ready with 0 documents in OpenSearch against 6 in the store.
    const hits = await eventually(async () => {
      const found = await retrieveHits(fx.app, 'takahe birds', { k: 10 });
      if (found.length === 0) throw new Error('no hits');
      return found;
    });
    expect(new Set(hits.map((h) => h.docId))).toEqual(new Set(['new1', 'new2', 'new3', 'new4', 'new5']));
    const ready = okBody<{ ready: boolean; reason?: string; documents: number; opensearch: { documents: number } }>(await fx.app.inject({ method: 'GET', url: '/readyz' }));
    expect(ready).toMatchObject({ ready: true, documents: 6, opensearch: { documents: 6 } });
    expect(ready.reason).toBeUndefined();
  });

  it('/readyz names the index the alias points to now, after a rebuild by another process', async () => {
    const fx = await start('it-moved');
    await ingestDocs(fx.app, batch('original').slice(0, 2));
    const before = okBody<{ opensearch: { index: string } }>(await fx.app.inject({ method: 'GET', url: '/readyz' })).opensearch.index;
    // What `rag opensearch rebuild` does, from a store of its own.
    const other = OpenSearchStore.fromConfig(fx.rag.config);
    try {
      const rebuilt = await other.rebuild(fx.rag.store.preparedDocuments());
      expect(rebuilt.previous).toEqual([before]);
      const after = okBody<{ opensearch: { index: string } }>(await fx.app.inject({ method: 'GET', url: '/readyz' })).opensearch.index;
      expect(after).toBe(rebuilt.index);
    } finally {
      await other.close();
    }
  });

  it('a hung node: each bulk request is cut at the request deadline, not after six OpenSearch timeouts', async () => {
    const fx = await start('it-hung', { server: { logLevel: 'silent', requestTimeoutMs: 1000 } });
    // In process, without the short deadline (the collection's set-up and a refresh take about that).
    await fx.rag.ingest(batch('original').slice(0, 1));
    const before = proxy.bulks;
    rule = (r) => (isBulk(r) && proxy.bulks >= before + 1 ? 'hang' : 'pass');
    const started = performance.now();
    const res = await postJson(fx.app, '/v1/documents', { documents: batch('replacing') });
    const took = performance.now() - started;
    rule = () => 'pass';
    expectError(res, 504, 'DEADLINE_EXCEEDED');
    // The deadline, then at most one OpenSearch timeout (2 s) to take the batch back; it was 12 s per request.
    expect(took).toBeLessThan(1000 + 2000 + 3000);
  });

  it('takes the batch back from OpenSearch when the store refuses it after the index took it', async () => {
    const fx = await start('it-store-refuses');
    await ingestDocs(fx.app, batch('original').slice(0, 1));
    // What another process's write lock held past the deadline, or a full disk, does to the store's write.
    const upsert = vi.spyOn(fx.rag.store, 'upsert').mockImplementationOnce(() => {
      throw new RagError('UNAVAILABLE', 'scripted store failure: nothing was written');
    });
    try {
      const err = expectError(await postJson(fx.app, '/v1/documents', { documents: batch('replacing') }), 503, 'UNAVAILABLE');
      expect(err.message).toContain('taken back');
    } finally {
      upsert.mockRestore();
    }
    // Before: the index held new1..new5 and the replacing keep, none of them in the store, and /readyz said nothing.
    expect(await indexed('it-store-refuses')).toEqual({ keep: 'The original version about kakapo parrots.' });
    expect((await readiness(fx)).reason).toBeUndefined();
  });

  it('writes a document back to OpenSearch when the store refuses its deletion', async () => {
    const fx = await start('it-store-keeps');
    await ingestDocs(fx.app, batch('original').slice(0, 2));
    const deleteMany = vi.spyOn(fx.rag.store, 'deleteMany').mockImplementationOnce(() => {
      throw new RagError('UNAVAILABLE', 'scripted store failure: nothing was written');
    });
    try {
      expectError(await fx.app.inject({ method: 'DELETE', url: '/v1/documents/new1' }), 503, 'UNAVAILABLE');
    } finally {
      deleteMany.mockRestore();
    }
    // Before: gone from the index, still in the store, so stored and never found.
    okBody(await fx.app.inject({ method: 'GET', url: '/v1/documents/new1' }));
    expect(Object.keys(await indexed('it-store-keeps')).sort()).toEqual(['keep', 'new1']);
  });

  it('a hung node: a deletion is cut at the request deadline too', async () => {
    const fx = await start('it-hung-delete', { server: { logLevel: 'silent', requestTimeoutMs: 1000 } });
    await fx.rag.ingest(batch('original').slice(0, 2));
    rule = (r) => (isBulk(r) ? 'hang' : 'pass');
    const started = performance.now();
    const res = await fx.app.inject({ method: 'DELETE', url: '/v1/documents/new1' });
    const took = performance.now() - started;
    rule = () => 'pass';
    expectError(res, 504, 'DEADLINE_EXCEEDED');
    // It was six OpenSearch timeouts (12 s), whatever the deadline.
    expect(took).toBeLessThan(1000 + 1500);
    okBody(await fx.app.inject({ method: 'GET', url: '/v1/documents/new1' }));
  });

  it('an ingestion into a collection deleted while running is a 503 that sets it up again, not documents refused', async () => {
    const fx = await start('it-gone-ingest');
    await ingestDocs(fx.app, batch('original').slice(0, 2));
    await dropIndices('it-gone-ingest');
    // Before: 200 with every document "failed" (404 index_not_found), and the collection was not created again.
    const err = expectError(await postJson(fx.app, '/v1/documents', { documents: batch('replacing').slice(2) }), 503, 'UNAVAILABLE');
    expect(err.message).toContain('the collection does not exist');
    await eventually(async () => ingestDocs(fx.app, batch('replacing').slice(2)));
    expect(Object.keys(await indexed('it-gone-ingest')).sort()).toEqual(['keep', 'new1', 'new2', 'new3', 'new4', 'new5']);
  });

  it('one readiness check that finds the collection gone sets it up again, once', async () => {
    const fx = await start('it-gone-ready');
    await ingestDocs(fx.app, batch('original'));
    await dropIndices('it-gone-ready');
    const creations: string[] = [];
    rule = (r) => {
      if (r.method === 'PUT' && /^\/it-gone-ready\.v\d+$/.test(r.path)) creations.push(r.path);
      return 'pass';
    };
    expect((await readiness(fx)).ready).toBe(false);
    // Before: its two counts each started a set-up; both named their index in the same millisecond, and the second
    // deleted the first's, so nothing was left until the next request.
    const filled = await eventually(async () => {
      const held = await indexed('it-gone-ready');
      if (Object.keys(held).length < 6) throw new Error(`${Object.keys(held).length} documents`);
      return held;
    }, 5_000);
    rule = () => 'pass';
    expect(Object.keys(filled)).toHaveLength(6);
    expect(creations).toHaveLength(1);
  });

  async function dropIndices(alias: string): Promise<void> {
    const aliased = (await (await fetch(`${node.url}/_alias/${alias}`)).json()) as Record<string, unknown>;
    for (const index of Object.keys(aliased)) await fetch(`${node.url}/${index}`, { method: 'DELETE' });
  }
});

/** Retries `fn` until it stops throwing (the client brings a dropped node back on its own), for 20 s at most. */
async function eventually<T>(fn: () => Promise<T>, withinMs = 20_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}
