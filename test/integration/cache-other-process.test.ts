import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentInput } from '../../src/core/types.js';
import { Rag } from '../../src/rag.js';
import { httpTestConfig } from '../helpers/http-fixture.js';
import { makeTempDir } from '../helpers/tmp.js';

// Two Rags on one store file stand for two server processes (or a server and `rag ingest`). From 2,000 chunks the
// reader's BM25 index is rebuilt in the background after the other's commit, and queries meanwhile are answered by
// FTS5, which ranks by its own analysis. Such an answer must not be cached under the store's new version: it would be
// served (by every instance sharing the cache) for cache.ttlSeconds, long after the index caught up.
describe('cache and a commit by another process', () => {
  let tmp: { dir: string; cleanup: () => void };
  let writer: Rag;
  let reader: Rag;
  beforeAll(async () => {
    tmp = makeTempDir('rag-cache-other-');
    const path = join(tmp.dir, 'shared.db');
    writer = new Rag(httpTestConfig({ store: { path } }));
    await writer.init();
    const filler: DocumentInput[] = Array.from({ length: 2100 }, (_, i) => ({ id: `f${i}`, text: `Filler note ${i} about ordinary things.` }));
    await writer.ingest(filler);
    reader = new Rag(httpTestConfig({ store: { path } }));
    await reader.init();
    reader.warm();
  });
  afterAll(async () => {
    await reader.close();
    await writer.close();
    tmp.cleanup();
  });

  it('answers by FTS5 while its index is rebuilt after the commit, and does not cache that answer', async () => {
    await writer.ingest([{ id: 'zorb', text: 'The zorblax reactor runs on quartzine crystals.' }]);
    const request = { query: 'zorblax reactor quartzine', k: 3 };
    const during = await reader.retrieve(request);
    // FTS5 is current with every commit (the index as it was, before, found nothing of the new document).
    expect(during.hits.map((h) => h.docId)).toContain('zorb');
    expect(during.cached).toBeUndefined();
    // The background rebuild catches up.
    await sleep(1000);
    const after = await reader.retrieve(request);
    expect(after.cached).toBeUndefined();
    expect(after.hits.map((h) => h.docId)).toContain('zorb');
  });
});
