import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { RagError } from '../../src/core/errors.js';
import { Rag } from '../../src/rag.js';
import { launchOpenSearch, launchProblem, type OpenSearchNode } from '../../src/store/opensearch-launcher.js';
import { cli } from '../helpers/cli-run.js';
import { makeTempDir } from '../helpers/tmp.js';

/*
 * `rag documents delete` and `rag ingest --prune` with the OpenSearch backend: a document deleted from the store
 * is deleted from the index too (the path DELETE /v1/documents/:id takes), on a real node started by the
 * repository's launcher; skipped where none can be launched.
 */
const problem = launchProblem();
if (problem !== null) console.warn(`SKIPPED: rag documents on OpenSearch (no node can be launched on this machine): ${problem}`);

describe.skipIf(problem !== null)('rag documents and ingest --prune on OpenSearch', () => {
  const tmp = makeTempDir('rag-cli-docs-os-');
  const folder = join(tmp.dir, 'notes');
  const store = join(tmp.dir, 'index.db');
  const config = join(tmp.dir, 'opensearch.yaml');
  const index = 'it-cli-documents';
  let node: OpenSearchNode;
  const args = ['--store', store, '--config', config];

  /** The document ids the node itself holds chunks of. */
  async function indexed(): Promise<string[]> {
    await fetch(`${node.url}/${index}/_refresh`, { method: 'POST' });
    const res = await fetch(`${node.url}/${index}/_search?size=100`);
    const body = (await res.json()) as { hits: { hits: Array<{ _source: { docId: string } }> } };
    return [...new Set(body.hits.hits.map((h) => h._source.docId))].sort();
  }

  beforeAll(async () => {
    node = await launchOpenSearch({ log: () => undefined });
    writeFileSync(config, `retrieval:\n  backend: opensearch\nopensearch:\n  nodes: [${JSON.stringify(node.url)}]\n  index: ${index}\n`);
    mkdirSync(folder);
    for (const name of ['a', 'b', 'c']) writeFileSync(join(folder, `${name}.md`), `# ${name}\n\nA note about ${name} and kettles.\n`);
  }, 300_000);

  afterAll(async () => {
    await node?.close();
    tmp.cleanup();
  }, 60_000);

  it('deletes from the index as from the store, and prunes the files gone from a folder in both', async () => {
    const id = (name: string): string => join(folder, `${name}.md`);
    await cli('ingest', folder, ...args);
    expect(await indexed()).toEqual([id('a'), id('b'), id('c')]);

    expect((await cli('documents', 'delete', id('a'), ...args))[0]).toBe(`deleted ${id('a')}`);
    expect(await indexed()).toEqual([id('b'), id('c')]);

    rmSync(id('b'));
    const out = await cli('ingest', folder, '--prune', ...args);
    expect(out).toContain(`  removed ${id('b')} (its file is gone)`);
    // a.md is back: its file is still there.
    expect(await indexed()).toEqual([id('a'), id('c')]);
    const listed = JSON.parse((await cli('documents', 'list', '--json', ...args))[0] ?? '{}') as { documents: Array<{ id: string }> };
    expect(listed.documents.map((d) => d.id)).toEqual([id('a'), id('c')]);
  });

  it('stopped part-way by OpenSearch, deletes from the store just what it deleted there, and says which', async () => {
    const id = (name: string): string => join(folder, `${name}.md`);
    for (const name of ['d', 'e']) writeFileSync(join(folder, `${name}.md`), `# ${name}\n\nA note about ${name} and kettles.\n`);
    await cli('ingest', folder, ...args);
    const rag = new Rag(loadConfig({ files: [config], overrides: { store: { path: store }, bootstrap: { ingestOnEmpty: false } }, env: {} }));
    try {
      const search = rag.search;
      if (search === null) throw new Error('the configuration should search OpenSearch');
      // The node fails on the second deletion (a timeout, a node going away), after the first went through.
      const real = search.delete.bind(search);
      let calls = 0;
      vi.spyOn(search, 'delete').mockImplementation(async (...call: Parameters<typeof real>) => {
        calls++;
        if (calls === 2) throw new RagError('UNAVAILABLE', 'OpenSearch did not answer');
        return real(...call);
      });
      const failure = await rag.deleteDocuments([id('c'), id('d'), id('e')]).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(RagError);
      expect(failure).toMatchObject({ code: 'UNAVAILABLE', details: { deleted: [id('c')] } });
      expect((failure as Error).message).toContain(`deleted before it: ${id('c')}`);
      // The store and the index agree: c is gone from both, d and e are in both, nothing is lost.
      expect(rag.store.getDocument(id('c'))).toBeUndefined();
      expect(rag.store.getDocument(id('d'))).toBeDefined();
      expect(rag.store.getDocument(id('e'))).toBeDefined();
    } finally {
      await rag.close();
    }
    expect(await indexed()).toEqual([id('a'), id('d'), id('e')]);
  });
});
