import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staleFileDocuments } from '../../../src/store/stale-file-documents.js';
import type { SqliteStore } from '../../../src/store/sqlite-store.js';
import { makeTempDir } from '../../helpers/tmp.js';

/** A store's listing over these ids, paged and cut by prefix as SqliteStore's is. */
function listing(ids: string[]): Pick<SqliteStore, 'documentPage'> {
  const sorted = [...ids].sort();
  return {
    documentPage: ({ after, limit, prefix }) => {
      const documents = sorted
        .filter((id) => id > (after ?? '') && id.startsWith(prefix ?? ''))
        .slice(0, limit)
        .map((id) => ({ id, title: id, format: 'markdown' as const, meta: {}, chunkCount: 1, updatedAt: '' }));
      const last = documents.length === limit ? documents[documents.length - 1] : undefined;
      return last ? { documents, next: last.id } : { documents };
    },
  };
}

describe('staleFileDocuments', () => {
  let tmp: { dir: string; cleanup: () => void };

  beforeAll(() => {
    tmp = makeTempDir('rag-stale-');
    mkdirSync(join(tmp.dir, 'docs'));
    writeFileSync(join(tmp.dir, 'docs', 'a.md'), '# A');
    // A folder replaced by a file: its documents' files are gone (ENOTDIR, not an error).
    writeFileSync(join(tmp.dir, 'docs', 'sub'), 'now a file');
  });
  afterAll(() => tmp.cleanup());

  it('finds the ids under a prefix that name a readable file no longer there, reading relative ids from the base', () => {
    const store = listing(['docs/a.md', 'docs/b.md', 'docs/sub/c.md', 'docs/readme', 'docs/row.md', 'docsx/d.md', 'e.md']);
    const stale = staleFileDocuments(store, ['docs/'], { base: tmp.dir, keep: (id) => id === 'docs/row.md' });
    // Not: a.md (there), readme (no extension rag ingest reads), row.md (kept), docsx/ and e.md (not under docs/).
    expect(stale).toEqual(['docs/b.md', 'docs/sub/c.md']);
  });

  it('reads every page of a large folder, and each id once when folders overlap', () => {
    const gone = Array.from({ length: 2500 }, (_v, i) => `docs/gone-${String(i).padStart(4, '0')}.md`);
    const stale = staleFileDocuments(listing(['docs/a.md', ...gone]), ['docs/', 'docs/'], { base: tmp.dir });
    expect(stale).toEqual(gone);
  });
});
