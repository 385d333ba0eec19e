import { existsSync } from 'node:fs';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ftsMatchExpression } from '../../../src/retrievers/fts-query.js';
import type { ChunkText } from '../../../src/store/chunker.js';
import { SqliteStore, type PreparedDocument, type StoreChange } from '../../../src/store/sqlite-store.js';
import { preparedDoc, recordedFtsFormat, writeFtsTheOldWay } from '../../helpers/store.js';
import { makeTempDir } from '../../helpers/tmp.js';

let tmp: { dir: string; cleanup: () => void };
const open: SqliteStore[] = [];
beforeAll(() => {
  tmp = makeTempDir('rag-store-');
});
afterEach(() => {
  while (open.length > 0) open.pop()?.close();
});
afterAll(() => tmp.cleanup());

let fileNo = 0;
const stores: Array<[string, () => SqliteStore]> = [
  [':memory:', () => new SqliteStore(':memory:')],
  ['temp file', () => new SqliteStore(join(tmp.dir, `nested/dir/store-${++fileNo}.db`))],
];
const track = (s: SqliteStore): SqliteStore => {
  open.push(s);
  return s;
};

const docIdsOf = (store: SqliteStore, rowids: Iterable<number>): string[] =>
  [...new Set(store.chunksByRowid([...rowids]).map((c) => c.docId))].sort();

describe.each(stores)('SqliteStore (%s)', (_label, make) => {
  it('starts empty at version 0', () => {
    const store = track(make());
    expect(store.counts()).toEqual({ documents: 0, chunks: 0 });
    expect(store.version()).toBe(0);
    expect([...store.allChunks()]).toEqual([]);
    expect(() => store.ping()).not.toThrow();
  });

  it('has an id of its own, the same each time it is opened, another for a store made anew', () => {
    const store = track(make());
    const id = store.storeId();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(store.storeId()).toBe(id);
    expect(track(make()).storeId()).not.toBe(id);
  });

  it('keeps its id across reopening, and a store deleted and made again at the same path gets another', () => {
    const path = join(tmp.dir, 'reopen.db');
    const first = new SqliteStore(path);
    const id = first.storeId();
    first.close();
    const again = track(new SqliteStore(path));
    expect(again.storeId()).toBe(id);
    again.close();
    open.pop();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    expect(track(new SqliteStore(path)).storeId()).not.toBe(id);
  });

  it('leaves the version as it is for an empty batch, which changes nothing', () => {
    const store = track(make());
    // Before, an empty batch made a new version: every cached answer was thrown away for nothing.
    expect(store.upsert([])).toEqual({ documents: 0, chunks: 0, version: 0 });
    expect(store.version()).toBe(0);
  });

  it('stores documents with their chunks, structure and metadata', () => {
    const store = track(make());
    const result = store.upsert([
      preparedDoc('a', ['apple pie recipe', 'bake the apples'], { title: 'Apples', meta: { lang: 'en', year: 2020 }, headingPath: ['Food'] }),
      preparedDoc('b', ['banana bread'], { meta: { lang: 'de' } }),
    ]);
    expect(result).toEqual({ documents: 2, chunks: 3, version: 1 });
    expect(store.counts()).toEqual({ documents: 2, chunks: 3 });

    const doc = store.getDocument('a');
    expect(doc).toMatchObject({ id: 'a', title: 'Apples', format: 'text', meta: { lang: 'en', year: 2020 }, chunkCount: 2 });
    expect(doc?.structure.children).toHaveLength(2);
    expect(Number.isNaN(Date.parse(doc?.updatedAt ?? ''))).toBe(false);
    expect(store.getDocument('missing')).toBeUndefined();

    const all = [...store.allChunks()];
    expect(all.map((c) => c.text)).toEqual(['apple pie recipe', 'bake the apples', 'banana bread']);
    expect(all[0]).toMatchObject({ title: 'Apples', headingPath: ['Food'] });

    const chunks = store.chunksByRowid(all.map((c) => c.rowid).reverse());
    expect(chunks.map((c) => c.id)).toEqual(['b#0', 'a#1', 'a#0']);
    expect(chunks[2]).toMatchObject({ docId: 'a', title: 'Apples', headingPath: ['Food'], text: 'apple pie recipe' });
    // No heading path: the key is left out rather than empty.
    expect('headingPath' in (chunks[0] ?? {})).toBe(false);
    expect(store.chunksByRowid([999_999])).toEqual([]);
  });

  it('finds chunks with ftsSearch, best first, by body, title and heading', () => {
    const store = track(make());
    store.upsert([
      preparedDoc('a', ['zebra zebra zebra stripes'], { title: 'Animals' }),
      preparedDoc('b', ['one zebra among horses and many other animals in the field today'], { headingPath: ['Savanna'] }),
      preparedDoc('c', ['nothing relevant'], { title: 'Other' }),
      preparedDoc('d', ['filler text one']),
      preparedDoc('e', ['filler text two']),
    ]);
    const rowOf = (docId: string): number => [...store.rowidsMatching({ docId })][0] ?? -1;
    const hits = store.ftsSearch('"zebra"', 10);
    expect(hits.map((h) => h.rowid)).toEqual([rowOf('a'), rowOf('b')]);
    expect(hits[0]?.score).toBeGreaterThan(hits[1]?.score ?? Infinity);
    expect(hits[1]?.score).toBeGreaterThan(0);
    expect(store.ftsSearch('"animals"', 10).map((h) => h.rowid).sort()).toEqual([rowOf('a'), rowOf('b')].sort());
    expect(store.ftsSearch('"savanna"', 10).map((h) => h.rowid)).toEqual([rowOf('b')]);
    // Porter stemming and diacritic folding on the FTS side.
    expect(store.ftsSearch('"stripe"', 10).map((h) => h.rowid)).toEqual([rowOf('a')]);
    expect(store.ftsSearch('"zébra"', 1)).toHaveLength(1);
  });

  it('re-upserting an id replaces its chunks and keeps the counts', () => {
    const store = track(make());
    store.upsert([preparedDoc('a', ['old words here', 'old second chunk']), preparedDoc('b', ['other doc'])]);
    const before = store.counts();
    const oldRowids = [...store.rowidsMatching({ docId: 'a' })];
    store.upsert([preparedDoc('a', ['fresh text', 'fresh second'], { title: 'New title' })]);
    expect(store.counts()).toEqual(before);
    expect(store.chunksByRowid(oldRowids)).toEqual([]);
    const chunks = store.chunksByRowid([...store.rowidsMatching({ docId: 'a' })]);
    expect(chunks.map((c) => c.text)).toEqual(['fresh text', 'fresh second']);
    expect(chunks.map((c) => c.id)).toEqual(['a#0', 'a#1']);
    expect(store.getDocument('a')?.title).toBe('New title');
    expect(store.ftsSearch('"old"', 10)).toEqual([]);
    expect(store.ftsSearch('"fresh"', 10)).toHaveLength(2);
    // Same content again: still idempotent.
    store.upsert([preparedDoc('a', ['fresh text', 'fresh second'], { title: 'New title' })]);
    expect(store.counts()).toEqual(before);
    expect(store.ftsSearch('"fresh"', 10)).toHaveLength(2);
  });

  it('returns every row asked for even when the rows it reads push the others out of its cache', () => {
    const store = track(new SqliteStore(':memory:', { cachedChunks: 2 }));
    store.upsert([preparedDoc('a', ['one']), preparedDoc('b', ['two']), preparedDoc('c', ['three'])]);
    const rowids = ['a', 'b', 'c'].map((id) => [...store.rowidsMatching({ docId: id })][0] ?? -1);
    expect(store.chunksByRowid([rowids[0] ?? -1]).map((c) => c.text)).toEqual(['one']);
    expect(store.chunksByRowid(rowids).map((c) => c.text)).toEqual(['one', 'two', 'three']);
    expect(store.chunksByRowid([...rowids].reverse()).map((c) => c.text)).toEqual(['three', 'two', 'one']);
  });

  it('never serves a chunk row it read before the chunk was replaced or deleted', () => {
    const store = track(make());
    store.upsert([preparedDoc('a', ['first version'])]);
    const [rowid] = [...store.rowidsMatching({ docId: 'a' })];
    expect(store.chunksByRowid([rowid ?? -1]).map((c) => c.text)).toEqual(['first version']);
    // Deleting and storing again may reuse the rowid (no AUTOINCREMENT): the row read above must not come back.
    store.delete('a');
    expect(store.chunksByRowid([rowid ?? -1])).toEqual([]);
    store.upsert([preparedDoc('b', ['another document'])]);
    const reused = store.chunksByRowid([rowid ?? -1]);
    expect(reused.map((c) => c.text)).not.toContain('first version');
    // What callers get is theirs to change: the next caller still sees the stored row.
    const [mine] = store.chunksByRowid([...store.rowidsMatching({ docId: 'b' })]);
    if (mine) mine.text = 'changed by a caller';
    expect(store.chunksByRowid([...store.rowidsMatching({ docId: 'b' })]).map((c) => c.text)).toEqual(['another document']);
  });

  it('replaces a document with fewer chunks without leaving orphans', () => {
    const store = track(make());
    store.upsert([preparedDoc('a', ['one', 'two', 'three'])]);
    store.upsert([preparedDoc('a', ['single'])]);
    expect(store.counts()).toEqual({ documents: 1, chunks: 1 });
    expect(store.getDocument('a')?.chunkCount).toBe(1);
    expect(store.ftsSearch('"three"', 10)).toEqual([]);
  });

  it('delete removes the document, its chunks and its FTS rows', () => {
    const store = track(make());
    store.upsert([preparedDoc('a', ['unique marmalade', 'second chunk']), preparedDoc('b', ['plain toast'])]);
    const rowids = [...store.rowidsMatching({ docId: 'a' })];
    expect(store.ftsSearch('"marmalade"', 10)).toHaveLength(1);
    expect(store.delete('a')).toBe(true);
    expect(store.getDocument('a')).toBeUndefined();
    expect(store.counts()).toEqual({ documents: 1, chunks: 1 });
    expect(store.chunksByRowid(rowids)).toEqual([]);
    expect(store.ftsSearch('"marmalade"', 10)).toEqual([]);
    expect(store.ftsSearch('"chunk"', 10)).toEqual([]);
    expect(store.ftsSearch('"toast"', 10)).toHaveLength(1);
    expect(store.delete('a')).toBe(false);
  });

  it('deleteMany removes several documents in one commit: one version, one change', () => {
    const store = track(make());
    store.upsert([preparedDoc('a', ['alpha']), preparedDoc('b', ['beta', 'bravo']), preparedDoc('c', ['gamma'])]);
    const changes: StoreChange[] = [];
    store.onChange((c) => changes.push(c));
    // Before, pruning deleted one document per commit: a version and a change (a server's index rebuild) each.
    expect(store.deleteMany(['a', 'nope', 'b', 'a'])).toEqual(['a', 'b']);
    expect(store.version()).toBe(2);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.removed.map((c) => c.text).sort()).toEqual(['alpha', 'beta', 'bravo']);
    expect(store.counts()).toEqual({ documents: 1, chunks: 1 });
    expect(store.deleteMany(['a', 'b'])).toEqual([]);
    expect(store.version()).toBe(2);
    expect(changes).toHaveLength(1);
  });

  it('version() increases once per committed batch or delete', () => {
    const store = track(make());
    expect(store.upsert([preparedDoc('a', ['x']), preparedDoc('b', ['y'])]).version).toBe(1);
    expect(store.version()).toBe(1);
    store.upsert([preparedDoc('c', ['z'])]);
    expect(store.version()).toBe(2);
    store.delete('a');
    expect(store.version()).toBe(3);
    store.delete('nope');
    expect(store.version()).toBe(3);
  });

  it('onChange reports added and removed chunks after each commit; unsubscribe stops it', () => {
    const store = track(make());
    const changes: StoreChange[] = [];
    const off = store.onChange((c) => changes.push(c));
    store.upsert([preparedDoc('a', ['first', 'second'], { title: 'T', headingPath: ['H'] })]);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.removed).toEqual([]);
    expect(changes[0]?.added.map((c) => [c.title, c.headingPath, c.text])).toEqual([
      ['T', ['H'], 'first'],
      ['T', ['H'], 'second'],
    ]);
    const firstRowids = changes[0]?.added.map((c) => c.rowid) ?? [];

    store.upsert([preparedDoc('a', ['replaced'])]);
    expect(changes[1]?.removed.map((c) => c.rowid)).toEqual(firstRowids);
    expect(changes[1]?.removed.map((c) => c.text)).toEqual(['first', 'second']);
    expect(changes[1]?.added.map((c) => c.text)).toEqual(['replaced']);

    store.delete('a');
    expect(changes[2]?.added).toEqual([]);
    expect(changes[2]?.removed.map((c) => c.text)).toEqual(['replaced']);

    store.delete('a'); // nothing to delete: no event
    expect(changes).toHaveLength(3);
    off();
    store.upsert([preparedDoc('b', ['x'])]);
    expect(changes).toHaveLength(3);
  });

  it('rowidsMatching filters by docId and by metadata keys', () => {
    const store = track(make());
    store.upsert([
      preparedDoc('a', ['a1', 'a2'], { meta: { lang: 'en', year: 2020, draft: true, 'odd key': 'v' } }),
      preparedDoc('b', ['b1'], { meta: { lang: 'en', year: 2021, draft: false } }),
      preparedDoc('c', ['c1'], { meta: { lang: 'fr', year: 2020, tag: null } }),
    ]);
    expect(docIdsOf(store, store.rowidsMatching({}))).toEqual(['a', 'b', 'c']);
    expect(store.rowidsMatching({}).size).toBe(4);
    expect(store.rowidsMatching({ docId: 'a' }).size).toBe(2);
    expect(docIdsOf(store, store.rowidsMatching({ docId: 'a' }))).toEqual(['a']);
    expect(docIdsOf(store, store.rowidsMatching({ lang: 'en' }))).toEqual(['a', 'b']);
    expect(docIdsOf(store, store.rowidsMatching({ year: 2020 }))).toEqual(['a', 'c']);
    expect(docIdsOf(store, store.rowidsMatching({ lang: 'en', year: 2020 }))).toEqual(['a']);
    expect(docIdsOf(store, store.rowidsMatching({ draft: true }))).toEqual(['a']);
    expect(docIdsOf(store, store.rowidsMatching({ draft: false }))).toEqual(['b']);
    expect(docIdsOf(store, store.rowidsMatching({ 'odd key': 'v' }))).toEqual(['a']);
    expect(store.rowidsMatching({ docId: 'b', lang: 'fr' }).size).toBe(0);
    expect(store.rowidsMatching({ missing: 'x' }).size).toBe(0);
    expect(store.rowidsMatching({ docId: 'zzz' }).size).toBe(0);
  });

  it('rowidsMatching tells booleans from the numbers 1 and 0 (an exact match)', () => {
    const store = track(make());
    store.upsert([
      preparedDoc('t', ['t1'], { meta: { flag: true } }),
      preparedDoc('one', ['o1'], { meta: { flag: 1 } }),
      preparedDoc('f', ['f1'], { meta: { flag: false } }),
      preparedDoc('zero', ['z1'], { meta: { flag: 0 } }),
      preparedDoc('s', ['s1'], { meta: { flag: '1' } }),
      preparedDoc('r', ['r1'], { meta: { flag: 1.5 } }),
    ]);
    expect(docIdsOf(store, store.rowidsMatching({ flag: true }))).toEqual(['t']);
    expect(docIdsOf(store, store.rowidsMatching({ flag: 1 }))).toEqual(['one']);
    expect(docIdsOf(store, store.rowidsMatching({ flag: false }))).toEqual(['f']);
    expect(docIdsOf(store, store.rowidsMatching({ flag: 0 }))).toEqual(['zero']);
    expect(docIdsOf(store, store.rowidsMatching({ flag: '1' }))).toEqual(['s']);
    expect(docIdsOf(store, store.rowidsMatching({ flag: 1.5 }))).toEqual(['r']);
  });

  it('rowidsMatching matches metadata keys holding quotes, dots and brackets', () => {
    const store = track(make());
    store.upsert([preparedDoc('a', ['a1'], { meta: { 'say "hi"': 1, 'c.d': 2, 'e[0]': 3 } }), preparedDoc('b', ['b1'])]);
    expect(docIdsOf(store, store.rowidsMatching({ 'c.d': 2 }))).toEqual(['a']);
    expect(docIdsOf(store, store.rowidsMatching({ 'e[0]': 3 }))).toEqual(['a']);
    expect(docIdsOf(store, store.rowidsMatching({ 'say "hi"': 1 }))).toEqual(['a']);
  });

  it('stores nothing of a batch whose transaction fails', () => {
    const store = track(make());
    store.upsert([preparedDoc('keep', ['kept text'])]);
    const before = { counts: store.counts(), version: store.version() };
    const changes: StoreChange[] = [];
    store.onChange((c) => changes.push(c));
    const broken: PreparedDocument = preparedDoc('bad', ['x']);
    broken.chunks = [{ text: null, headingPath: [] } as unknown as ChunkText]; // violates chunks.text NOT NULL
    expect(() =>
      store.upsert([preparedDoc('good1', ['good words']), preparedDoc('keep', ['overwritten']), broken]),
    ).toThrow();
    expect(store.counts()).toEqual(before.counts);
    expect(store.version()).toBe(before.version);
    expect(store.getDocument('good1')).toBeUndefined();
    expect(store.getDocument('bad')).toBeUndefined();
    expect(store.ftsSearch('"good"', 10)).toEqual([]);
    expect(store.ftsSearch('"overwritten"', 10)).toEqual([]);
    expect(store.ftsSearch('"kept"', 10)).toHaveLength(1);
    expect(changes).toEqual([]);
  });

  it('a document without chunks is stored, and a later batch works after a failed one', () => {
    const store = track(make());
    const bad = preparedDoc('bad', ['x']);
    bad.title = null as unknown as string; // documents.title NOT NULL
    expect(() => store.upsert([bad])).toThrow();
    store.upsert([preparedDoc('empty', [])]);
    expect(store.counts()).toEqual({ documents: 1, chunks: 0 });
    expect(store.version()).toBe(1);
  });
});

describe('SqliteStore on a file', () => {
  it('creates parent folders, persists across connections, and sees other connections via dataVersion', () => {
    const path = join(tmp.dir, 'deep/er/persist.db');
    const first = track(new SqliteStore(path));
    expect(existsSync(path)).toBe(true);
    first.upsert([preparedDoc('a', ['persistent data'])]);
    const second = track(new SqliteStore(path));
    expect(second.counts()).toEqual({ documents: 1, chunks: 1 });
    expect(second.version()).toBe(1);

    const seen = first.dataVersion();
    second.upsert([preparedDoc('b', ['from the other connection'])]);
    expect(first.dataVersion()).not.toBe(seen);
    expect(first.counts()).toEqual({ documents: 2, chunks: 2 });
    expect(first.version()).toBe(2);
    // Chunk rows this connection read are read again once another connection has committed.
    const rowidOf = (store: SqliteStore, docId: string): number => [...store.rowidsMatching({ docId })][0] ?? -1;
    expect(first.chunksByRowid([rowidOf(first, 'b')]).map((c) => c.text)).toEqual(['from the other connection']);
    second.upsert([preparedDoc('b', ['rewritten by the other connection'])]);
    expect(first.chunksByRowid([rowidOf(first, 'b')]).map((c) => c.text)).toEqual(['rewritten by the other connection']);
    // A connection's own commits leave its data_version alone.
    const own = first.dataVersion();
    first.upsert([preparedDoc('c', ['own write'])]);
    expect(first.dataVersion()).toBe(own);

    first.close();
    first.close(); // idempotent
    expect(second.ftsSearch('"persistent"', 10)).toHaveLength(1);
  });
});

describe('SqliteStore search mismatch', () => {
  it('keeps a mismatch in memory when another connection holds the write lock, rather than throw over the error it records', () => {
    const path = join(tmp.dir, 'mismatch.db');
    const store = track(new SqliteStore(path));
    const other = new Database(path);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    try {
      // Recorded in the middle of the very failure it records (the store refusing writes): it used to throw SQLITE_BUSY.
      store['db'].pragma('busy_timeout = 0');
      expect(() => store.markSearchMismatch('a batch could not be taken back')).not.toThrow();
      expect(store.searchMismatch()).toBe('a batch could not be taken back');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    // Written down once the store takes writes again; a rebuild clears both.
    store.markSearchMismatch('a batch could not be taken back');
    expect(track(new SqliteStore(path)).searchMismatch()).toBe('a batch could not be taken back');
    store.markSearchMismatch(null);
    expect(store.searchMismatch()).toBeNull();
  });
});

describe('SqliteStore on an index it may not change', () => {
  it('names the index in a coded error and writes nothing', () => {
    const path = join(tmp.dir, `readonly-${++fileNo}.db`);
    const store = track(new SqliteStore(path));
    store.upsert([preparedDoc('kept', ['stays here'])]);
    // What a read-only file or mount does to SQLite; root ignores file permissions, so the test asks SQLite itself.
    (store as unknown as { db: { pragma(source: string): unknown } }).db.pragma('query_only = ON');
    expect(() => store.upsert([preparedDoc('new', ['never stored'])])).toThrow(expect.objectContaining({ code: 'UNAVAILABLE', message: expect.stringContaining(`the index ${path} is read-only here`) }));
    expect(() => store.delete('kept')).toThrow(/is read-only here/);
    expect(store.counts().documents).toBe(1);
  });

  it('names a path that cannot hold an index', () => {
    expect(() => new SqliteStore(tmp.dir)).toThrow(new RegExp(`cannot open the index ${tmp.dir} \\(store\\.path\\)`));
    const file = join(tmp.dir, `plain-${++fileNo}.txt`);
    writeFileSync(file, 'not a folder');
    expect(() => new SqliteStore(join(file, 'sub', 'rag.db'))).toThrow(`cannot open the index ${join(file, 'sub', 'rag.db')} (store.path): ${file} is a file, not a folder`);
  });
});

describe('SqliteStore on a full-text index an older version wrote (CJK text unsplit)', () => {
  const QUESTION = '保証期間は何年ですか？';
  const matchOf = (question: string): string => ftsMatchExpression(question, 64) ?? '';
  const found = (store: SqliteStore, question: string): string[] => docIdsOf(store, store.ftsSearch(matchOf(question), 10).map((h) => h.rowid));
  /** A store at a new path holding these documents, its full-text rows then rewritten as the older version wrote them. */
  function oldStore(docs: PreparedDocument[]): string {
    const path = join(tmp.dir, `old-fts-${++fileNo}.db`);
    const store = new SqliteStore(path);
    store.upsert(docs);
    store.close();
    writeFtsTheOldWay(path);
    return path;
  }
  const cjkDocs = (): PreparedDocument[] => [
    preparedDoc('ja', ['本製品の保証期間は購入日から三年間です。'], { title: '製品マニュアル', headingPath: ['保証について'] }),
    preparedDoc('en', ['The warranty lasts three years from purchase.'], { title: 'Manual' }),
  ];

  it('re-indexes its CJK chunks as bigrams on opening, so a CJK question finds them, and records the format', () => {
    const path = oldStore(cjkDocs());
    // As the older version left it: the question's bigrams match no token of the unsplit text.
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?').all(matchOf(QUESTION))).toEqual([]);
    raw.close();

    const store = track(new SqliteStore(path));
    expect(store.ftsUpgrade).toEqual({ reindexed: 1, chunks: 2 });
    expect(recordedFtsFormat(path)).toBe('2');
    expect(found(store, QUESTION)).toEqual(['ja']);
    // Found by its title and heading too, and the chunk without CJK text is indexed as it was.
    expect(found(store, '製品マニュアル')).toEqual(['ja']);
    expect(found(store, 'warranty')).toEqual(['en']);
    // Answers cached under the old version may differ now: a new one.
    expect(store.version()).toBe(2);
  });

  it('does no work on a second opening', () => {
    const path = oldStore(cjkDocs());
    track(new SqliteStore(path)).close();
    const again = track(new SqliteStore(path));
    expect(again.ftsUpgrade).toBeNull();
    expect(again.version()).toBe(2);
    expect(found(again, QUESTION)).toEqual(['ja']);
  });

  it('only records the format when no chunk holds CJK text', () => {
    const path = oldStore([preparedDoc('en', ['The warranty lasts three years.'], { title: 'Manual' })]);
    const store = track(new SqliteStore(path));
    expect(store.ftsUpgrade).toEqual({ reindexed: 0, chunks: 1 });
    expect(recordedFtsFormat(path)).toBe('2');
    expect(store.version()).toBe(1);
    expect(found(store, 'warranty')).toEqual(['en']);
  });

  it('records the format in a new store', () => {
    const path = join(tmp.dir, `new-fts-${++fileNo}.db`);
    expect(track(new SqliteStore(path)).ftsUpgrade).toEqual({ reindexed: 0, chunks: 0 });
    expect(recordedFtsFormat(path)).toBe('2');
  });

  it('opens while another process writes, leaving the index as it was, and the next opening brings it up to date', () => {
    const path = oldStore(cjkDocs());
    const other = new Database(path);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      const store = track(new SqliteStore(path));
      expect(store.ftsUpgrade).toEqual({ deferred: expect.stringContaining('is being written by another process') });
      expect(store.counts()).toEqual({ documents: 2, chunks: 2 });
      expect(found(store, QUESTION)).toEqual([]);
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    expect(recordedFtsFormat(path)).toBeUndefined();
    const later = track(new SqliteStore(path));
    expect(later.ftsUpgrade).toEqual({ reindexed: 1, chunks: 2 });
    expect(found(later, QUESTION)).toEqual(['ja']);
  });
});
