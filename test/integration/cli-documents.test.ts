import { execFile } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfigPath, loadConfig } from '../../src/core/config.js';
import { Rag } from '../../src/rag.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { cli, cliOutput } from '../helpers/cli-run.js';
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
async function ingestOverApi(store: string, documents: Array<{ id: string; text: string; format?: 'markdown'; title?: string }>): Promise<void> {
  const rag = new Rag(loadConfig({ files: [defaultConfigPath], overrides: { store: { path: store } } }));
  try {
    await rag.ingest(documents);
  } finally {
    await rag.close();
  }
}

const note = (title: string): string => `# ${title}\n\nA note about ${title.toLowerCase()} and kettles.\n`;

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
    // The next page's command names the same index (before, it left out --store and looked in the default one).
    expect(first[3]).toBe(`more may follow: rag documents list --store ${store} --after notes.txt --limit 2`);
    const second = await cli('documents', 'list', '--store', store, '--limit', '2', '--after', 'notes.txt');
    expect(second.slice(1, 3).map((l) => l.split(/ +/)[0])).toEqual(['notes/b.md', 'notes/c.md']);
    // A full page may be the last, as over HTTP: the page after it is empty.
    expect(second[3]).toBe(`more may follow: rag documents list --store ${store} --after notes/c.md --limit 2`);
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

  it('escapes the control characters of ids and titles in the table, one document a line; --json keeps them', async () => {
    // Before, a newline, a tab or a NUL was printed raw: a row broke over lines, or shifted its columns.
    const odd = join(tmp.dir, 'odd.db');
    const ids = ['a\nb', 'c\td', 'e\u0000f', 'g\u2028h\\i'];
    await ingestOverApi(odd, [
      ...ids.map((id, i) => ({ id, text: `Document number ${i}.` })),
      { id: 'z', title: 'Line one\r\nline two', text: 'A title over two lines.' },
    ]);
    const lines = (await cli('documents', 'list', '--store', odd, '--limit', '4')).join('\n').split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.slice(1, 5).map((l) => l.split(/ +/)[0])).toEqual(['a\\nb', 'c\\td', 'e\\u0000f', 'g\\u2028h\\i']);
    // The next page's command stays on its line, its id in bash's $'...' escapes.
    expect(lines[5]).toBe(`more may follow: rag documents list --store ${odd} --after $'g\\u2028h\\\\i' --limit 4`);
    const last = (await cli('documents', 'list', '--store', odd, '--after', 'g\u2028h\\i')).join('\n').split('\n');
    expect(last).toHaveLength(2);
    expect(last[1]).toMatch(/^z +text +1 +\S+ +Line one\\r\\nline two$/);
    const page = JSON.parse((await cli('documents', 'list', '--store', odd, '--json'))[0] ?? '{}') as { documents: Array<{ id: string; title: string }> };
    expect(page.documents.map((d) => d.id)).toEqual([...ids, 'z']);
    expect(page.documents[4]?.title).toBe('Line one\r\nline two');
  });

  it('exits with code 1 and the reason on an unknown id, as a real process', async () => {
    const failed = run(process.execPath, [bin, 'documents', 'delete', 'nope.md', '--store', store]);
    await expect(failed).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('rag: no document with id "nope.md": nothing was deleted') });
  });
});

describe('rag ingest <folder> --prune', () => {
  const tmp = makeTempDir('rag-cli-prune-');
  // The working folder the commands run in: ids are paths relative to it.
  const work = join(tmp.dir, 'work');
  const store = join(tmp.dir, 'index.db');
  const outside = join(tmp.dir, 'outside');
  const at = (...parts: string[]): string => join(work, ...parts);
  const ingest = async (...args: string[]): Promise<string> => (await run(process.execPath, [bin, 'ingest', ...args, '--store', store], { cwd: work })).stdout;

  beforeAll(async () => {
    mkdirSync(at('notes', 'sub'), { recursive: true });
    mkdirSync(at('notes', '.drafts'), { recursive: true });
    mkdirSync(at('other'));
    mkdirSync(outside);
    for (const name of ['a', 'b']) writeFileSync(at('notes', `${name}.md`), note(name.toUpperCase()));
    writeFileSync(at('notes', 'sub', 'c.md'), note('C'));
    writeFileSync(at('notes', '.drafts', 'd.md'), note('D'));
    // A row whose id looks like a file under notes/ that is not there: stored by this run, so never pruned.
    writeFileSync(at('notes', 'rows.jsonl'), `${JSON.stringify({ id: 'notes/row.md', text: 'A row about kettles.' })}\n`);
    writeFileSync(at('other', 'x.md'), note('X'));
    writeFileSync(join(outside, 'y.md'), note('Y'));
    writeFileSync(join(outside, 'z.md'), note('Z'));
    await ingest('notes', 'other', join('notes', '.drafts', 'd.md'), '../outside');
    // Sent over HTTP: ids that are not files of notes/ (no extension rag ingest reads, or not under notes/).
    await ingestOverApi(store, [
      { id: 'notes/readme', text: 'An API document under the notes/ prefix.' },
      { id: 'faq.md', text: 'An API document.' },
      { id: 'notes.md', text: 'Another API document.' },
    ]);
  }, 60_000);
  afterAll(() => tmp.cleanup());

  it('deletes, after ingesting, the documents of files gone from the folder, and nothing else', async () => {
    const ingested = ['faq.md', 'notes.md', 'notes/.drafts/d.md', 'notes/a.md', 'notes/b.md', 'notes/readme', 'notes/row.md', 'notes/sub/c.md', 'other/x.md'];
    expect(stored(store).ids).toEqual([...ingested, join(outside, 'y.md'), join(outside, 'z.md')].sort());
    // A renamed file, a deleted one, a deleted subfolder, and a file gone from a folder not pruned.
    renameSync(at('notes', 'a.md'), at('notes', 'a2.md'));
    rmSync(at('notes', 'b.md'));
    rmSync(at('notes', 'sub'), { recursive: true });
    rmSync(at('other', 'x.md'));
    // Without --prune nothing is removed (as before): the renamed file is a new document beside the old one.
    await ingest('notes');
    expect(stored(store).ids).toContain('notes/a.md');
    expect(stored(store).ids).toContain('notes/a2.md');

    // The folder named as the user may spell it from the same working folder.
    const out = await ingest('./notes/', '--prune');
    // a2.md and the row (the hidden draft is not walked).
    expect(out).toMatch(/^ingested 2 documents/m);
    expect(out).toContain('  removed notes/a.md (its file is gone)\n  removed notes/b.md (its file is gone)\n  removed notes/sub/c.md (its file is gone)\n');
    expect(out).toMatch(/^pruned 3 documents whose files are gone from notes\/; index version \d+$/m);
    // Kept: the files still there (the hidden draft was named on its own), the row this run stored, the API's
    // documents and the other folders' (other/x.md is gone, but other/ was not pruned).
    expect(stored(store).ids).toEqual(['faq.md', 'notes.md', 'notes/.drafts/d.md', 'notes/a2.md', 'notes/readme', 'notes/row.md', 'other/x.md', join(outside, 'y.md'), join(outside, 'z.md')].sort());
    // Nothing left to prune the second time.
    expect(await ingest('notes', '--prune')).toMatch(/^pruned 0 documents whose files are gone from notes\/$/m);
  });

  it('prunes a folder outside the working folder by its absolute ids', async () => {
    rmSync(join(outside, 'z.md'));
    const out = await ingest('../outside', '--prune');
    expect(out).toContain(`  removed ${join(outside, 'z.md')} (its file is gone)\n`);
    expect(stored(store).ids).toContain(join(outside, 'y.md'));
    expect(stored(store).ids).not.toContain(join(outside, 'z.md'));
  });

  it('prunes nothing when the ingestion fails', async () => {
    writeFileSync(at('notes', 'gone.md'), note('Gone'));
    await ingest('notes');
    rmSync(at('notes', 'gone.md'));
    writeFileSync(at('notes', 'latin1.md'), Buffer.from('# Menu\n\ncaf\xe9\n', 'latin1'));
    await expect(ingest('notes', '--prune')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('not UTF-8 text') });
    expect(stored(store).ids).toContain('notes/gone.md');
    // Once the folder ingests, it is pruned.
    rmSync(at('notes', 'latin1.md'));
    expect(await ingest('notes', '--prune')).toContain('  removed notes/gone.md (its file is gone)\n');
  });

  it('prunes a file emptied since it was stored, which a plain ingest keeps and says so', async () => {
    writeFileSync(at('notes', 'emptied.md'), note('Emptied'));
    await ingest('notes');
    writeFileSync(at('notes', 'emptied.md'), '');
    await ingest('notes');
    expect(stored(store).ids).toContain('notes/emptied.md');
    // Before, --prune left it (its file is there) and its old text went on answering.
    const out = await ingest('notes', '--prune');
    expect(out).toContain('  removed notes/emptied.md (its file holds no text now)\n');
    expect(out).toMatch(/^pruned 1 document whose files are gone from or empty in notes\/; index version \d+$/m);
    expect(stored(store).ids).not.toContain('notes/emptied.md');
    rmSync(at('notes', 'emptied.md'));
  });

  it('refuses --prune without a folder, or for the working folder itself, before ingesting anything', async () => {
    const before = stored(store);
    writeFileSync(at('new.md'), note('New'));
    await expect(ingest('new.md', '--prune')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--prune removes the documents of files gone from a folder, and no folder was given') });
    // Its files' ids are bare relative paths, as an API document's (faq.md) or another working folder's may be.
    await expect(ingest('.', '--prune')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/--prune \.: that is the working folder or holds it/) });
    await expect(ingest('notes', '..', '--prune')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/--prune \.\.: that is the working folder or holds it/) });
    expect(stored(store)).toEqual(before);
    // Beside a folder, a file is ingested and not pruned.
    expect(await ingest('new.md', 'notes', '--prune')).toMatch(/^pruned 0 documents/m);
    expect(stored(store).ids).toContain('new.md');
  });

  it('ingests and prunes folders given one inside another, and a file inside a folder given, once each', async () => {
    mkdirSync(at('nest', 'inner'), { recursive: true });
    writeFileSync(at('nest', 'n.md'), note('N'));
    writeFileSync(at('nest', 'inner', 'i.md'), note('I'));
    writeFileSync(at('nest', 'inner', 'gone.md'), note('Gone'));
    // Before, each file reached twice was "id appears twice in the batch" and nothing was stored.
    expect(await ingest('nest', 'nest/inner', './nest/n.md')).toMatch(/^ingested 3 documents/m);
    rmSync(at('nest', 'inner', 'gone.md'));
    const out = await ingest('nest', './nest/inner/', '--prune');
    expect(out).toMatch(/^ingested 2 documents/m);
    expect(out).toMatch(/^pruned 1 document whose files are gone from nest\/, nest\/inner\/; index version \d+$/m);
    expect(stored(store).ids.filter((id) => id.startsWith('nest/'))).toEqual(['nest/inner/i.md', 'nest/n.md']);
  });

  it('lists what a folder holds with --prefix, as the pruning sees it', async () => {
    const lines = await cli('documents', 'list', '--store', store, '--prefix', 'notes/');
    expect(lines.slice(1).map((l) => l.split(/ +/)[0])).toEqual(['notes/.drafts/d.md', 'notes/a2.md', 'notes/readme', 'notes/row.md']);
    expect((await cliOutput('documents', 'list', '--store', store, '--prefix', 'notes/', '--json')).stderr).toBe('');
  });
});
