import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfigPath, loadConfig } from '../../src/core/config.js';
import { Rag } from '../../src/rag.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { cli } from '../helpers/cli-run.js';
import { makeTempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const bin = resolve('bin/rag.js');

/** The ids a store holds, in id order, and its chunk count. */
function stored(path: string): { ids: string[]; chunks: number } {
  const s = new SqliteStore(path);
  try {
    return { ids: s.listDocuments({ limit: 1000 }).map((d) => d.id), chunks: s.counts().chunks };
  } finally {
    s.close();
  }
}

/** Documents sent as the HTTP API stores them (POST /v1/documents goes through Rag.ingest). */
async function ingestOverApi(store: string, documents: Array<{ id: string; text: string; format?: 'markdown' }>): Promise<void> {
  const rag = new Rag(loadConfig({ files: [defaultConfigPath], overrides: { store: { path: store } } }));
  try {
    await rag.ingest(documents);
  } finally {
    await rag.close();
  }
}

describe('rag documents list and delete', () => {
  const tmp = makeTempDir('rag-cli-docs-');
  const store = join(tmp.dir, 'index.db');

  beforeAll(async () => {
    await ingestOverApi(store, [
      { id: 'a.txt', text: 'Quokkas live on Rottnest Island.' },
      { id: 'notes/b.md', format: 'markdown', text: '# Bilbies\n\nBilbies dig burrows.' },
      { id: 'notes/c.md', format: 'markdown', text: '# Cassowaries\n\nCassowaries are large birds.' },
      { id: 'notes.txt', text: 'Not under notes/.' },
    ]);
  });
  afterAll(() => tmp.cleanup());

  it('lists the stored documents in id order as a table, a page at a time, and with --json as GET /v1/documents does', async () => {
    // Before, listing was HTTP only: there was no `documents` command.
    const all = await cli('documents', 'list', '--store', store);
    expect(all[0]).toMatch(/^ID +FORMAT +CHUNKS +UPDATED +TITLE$/);
    expect(all.slice(1).map((l) => l.split(/ +/)[0])).toEqual(['a.txt', 'notes.txt', 'notes/b.md', 'notes/c.md']);
    expect(all[3]).toMatch(/^notes\/b\.md +markdown +1 +\d{4}-\d\d-\d\dT\S+ +Bilbies$/);

    const first = await cli('documents', 'list', '--store', store, '--limit', '2');
    expect(first.slice(1, 3).map((l) => l.split(/ +/)[0])).toEqual(['a.txt', 'notes.txt']);
    expect(first[3]).toBe('more may follow: rag documents list --after notes.txt --limit 2');
    const second = await cli('documents', 'list', '--store', store, '--limit', '2', '--after', 'notes.txt');
    expect(second.slice(1, 3).map((l) => l.split(/ +/)[0])).toEqual(['notes/b.md', 'notes/c.md']);
    // A full page may be the last, as over HTTP: the page after it is empty.
    expect(second[3]).toBe('more may follow: rag documents list --after notes/c.md --limit 2');
    expect(await cli('documents', 'list', '--store', store, '--limit', '2', '--after', 'notes/c.md')).toEqual(['no documents after notes/c.md']);

    expect((await cli('documents', 'list', '--store', store, '--prefix', 'notes/')).slice(1).map((l) => l.split(/ +/)[0])).toEqual(['notes/b.md', 'notes/c.md']);
    expect(await cli('documents', 'list', '--store', store, '--prefix', 'zz')).toEqual(['no documents whose id starts with zz']);

    const page = JSON.parse((await cli('documents', 'list', '--store', store, '--json', '--limit', '3'))[0] ?? '{}') as { documents: Array<{ id: string; chunkCount: number }>; next?: string };
    expect(page.documents.map((d) => d.id)).toEqual(['a.txt', 'notes.txt', 'notes/b.md']);
    expect(page.documents[2]).toMatchObject({ title: 'Bilbies', format: 'markdown', chunkCount: 1 });
    expect(page.documents[2]).not.toHaveProperty('structure');
    expect(page.next).toBe('notes/b.md');
  });

  it('refuses a limit out of range and an index that does not exist, making none', async () => {
    await expect(cli('documents', 'list', '--store', store, '--limit', '1001')).rejects.toThrow(/a whole number from 1 to 1000/);
    await expect(cli('documents', 'list', '--store', join(tmp.dir, 'typo.db'))).rejects.toThrow(/no index at .*typo\.db/);
    await expect(cli('documents', 'delete', 'a.txt', '--store', join(tmp.dir, 'typo.db'))).rejects.toThrow(/no index at .*typo\.db/);
  });

  it('deletes documents with their chunks, and refuses the whole command when one id is unknown', async () => {
    const before = stored(store);
    // All or nothing: a.txt exists, but nothing is deleted because of the typo.
    await expect(cli('documents', 'delete', 'a.txt', 'notes/x.md', '--store', store)).rejects.toThrow(/no document with id "notes\/x\.md": nothing was deleted/);
    expect(stored(store)).toEqual(before);

    const out = await cli('documents', 'delete', 'a.txt', 'notes/b.md', 'a.txt', '--store', store);
    expect(out.slice(0, 2)).toEqual(['deleted a.txt', 'deleted notes/b.md']);
    expect(out[2]).toMatch(/^deleted 2 documents; index version \d+$/);
    const after = stored(store);
    expect(after.ids).toEqual(['notes.txt', 'notes/c.md']);
    expect(after.chunks).toBe(before.chunks - 2);
  });

  it('exits with code 1 and the reason on an unknown id, as a real process', async () => {
    const failed = run(process.execPath, [bin, 'documents', 'delete', 'nope.md', '--store', store]);
    await expect(failed).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('rag: no document with id "nope.md": nothing was deleted') });
  });
});
