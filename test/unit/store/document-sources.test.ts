import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentInput } from '../../../src/core/types.js';
import { documentFromRow, fileDocumentId, folderIdPrefix, listSourceFiles, readDocumentBatches } from '../../../src/store/document-sources.js';
import { ragErrorOf, ragErrorOfAsync } from '../../helpers/errors.js';
import { makeTempDir } from '../../helpers/tmp.js';

let tmp: { dir: string; cleanup: () => void };
const write = (rel: string, text: string): string => {
  const path = join(tmp.dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
};

const collect = async (gen: AsyncGenerator<DocumentInput[]>): Promise<DocumentInput[][]> => {
  const out: DocumentInput[][] = [];
  for await (const batch of gen) out.push(batch);
  return out;
};

beforeAll(() => {
  tmp = makeTempDir('rag-sources-');
  write('docs/a.md', '# A\n\nalpha');
  write('docs/b.HTML', '<p>beta</p>');
  write('docs/sub/c.txt', 'gamma');
  write('docs/sub/deeper/d.rst', 'delta');
  write('docs/sub/e.markdown', 'epsilon');
  write('docs/image.png', 'not text');
  write('docs/notes.docx', 'not supported');
  write('docs/.hidden/secret.md', 'hidden');
  write('docs/.dot.md', 'hidden file');
  write('docs/node_modules/pkg/readme.md', 'dependency');
  write('corpus.jsonl', '');
});
afterAll(() => tmp.cleanup());

describe('documentFromRow', () => {
  it('reads BEIR rows with _id, title, text and metadata', () => {
    const doc = documentFromRow({ _id: 'd1', title: 'T', text: 'body', metadata: { url: 'http://x', year: 2001 } }, 'f:1');
    expect(doc).toEqual({ id: 'd1', title: 'T', text: 'body', meta: { url: 'http://x', year: 2001 } });
  });

  it('reads rows with a numeric id, a format and meta', () => {
    const doc = documentFromRow({ id: 17, text: '# h', format: 'markdown', meta: { ok: true, none: null } }, 'f:2');
    expect(doc).toEqual({ id: '17', text: '# h', format: 'markdown', meta: { ok: true, none: null } });
    expect(documentFromRow({ _id: 0, text: 'zero' }, 'f').id).toBe('0');
  });

  it('prefers _id over id, and takes empty metadata and null fields as absent', () => {
    const doc = documentFromRow({ _id: 'beir', id: 'other', title: null, text: 't', format: null, metadata: {} }, 'f');
    expect(doc).toEqual({ id: 'beir', text: 't' });
    // A null "metadata" leaves "meta" to speak, as the rows read before the type checks.
    expect(documentFromRow({ _id: 'm', text: 't', metadata: null, meta: { lang: 'en' } }, 'f').meta).toEqual({ lang: 'en' });
  });

  it('refuses a title, format or metadata of the wrong type, as POST /v1/documents does, naming the row', () => {
    // Before, each was dropped without a word: the document was stored without the title or metadata its row gave.
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ title: 5 }, '"title" must be a string; got a number'],
      [{ format: 'pdf' }, '"format" must be text, markdown or html; got "pdf"'],
      [{ metadata: 'str' }, '"metadata" must be an object; got a string'],
      [{ meta: [1] }, '"meta" must be an object; got an array'],
    ];
    for (const [fields, message] of cases) {
      const err = ragErrorOf(() => documentFromRow({ _id: 'x', text: 't', ...fields }, 'rows.jsonl:4'));
      expect(err.code).toBe('INVALID_DOCUMENT');
      expect(err.message).toBe(`rows.jsonl:4: ${message}`);
    }
  });

  it('serialises nested metadata values so they stay filterable as strings', () => {
    const doc = documentFromRow({ _id: 'x', text: 't', metadata: { tags: ['a', 'b'], author: { name: 'Ann' }, n: 1 } }, 'f');
    expect(doc.meta).toEqual({ tags: '["a","b"]', author: '{"name":"Ann"}', n: 1 });
  });

  it('rejects rows that are not objects or lack an id or text, naming where', () => {
    for (const row of [null, 'string', [1, 2], { text: 'no id' }, { _id: true, text: 'x' }, { _id: 'x' }, { _id: 'x', text: 3 }]) {
      const err = ragErrorOf(() => documentFromRow(row, 'corpus.jsonl:7'));
      expect(err.code).toBe('INVALID_DOCUMENT');
      expect(err.message).toContain('corpus.jsonl:7');
    }
  });
});

describe('listSourceFiles', () => {
  /** The readable files under docs/, as a walk of it lists them. */
  const DOCS_FILES = ['a.md', 'b.HTML', 'sub/c.txt', 'sub/deeper/d.rst', 'sub/e.markdown'].map((f) => join('docs', ...f.split('/')));

  it('walks folders recursively in sorted order, skipping hidden entries, node_modules and unknown types', async () => {
    const files = await listSourceFiles([join(tmp.dir, 'docs')]);
    expect(files.every((f) => f.walked)).toBe(true);
    expect(files.map((f) => relative(tmp.dir, f.path))).toEqual(DOCS_FILES);
  });

  it('accepts named files of known types, in the order given', async () => {
    const files = await listSourceFiles([join(tmp.dir, 'corpus.jsonl'), join(tmp.dir, 'docs/a.md')]);
    expect(files).toEqual([
      { path: join(tmp.dir, 'corpus.jsonl'), walked: false },
      { path: join(tmp.dir, 'docs/a.md'), walked: false },
    ]);
  });

  it('lists a file reached through overlapping paths once, as named when it was also named on its own', async () => {
    const docs = join(tmp.dir, 'docs');
    const files = await listSourceFiles([docs, join(docs, 'sub'), `${docs}/./`, join(docs, 'a.md')]);
    expect(files.map((f) => relative(tmp.dir, f.path))).toEqual(DOCS_FILES);
    expect(files.filter((f) => !f.walked).map((f) => relative(tmp.dir, f.path))).toEqual([join('docs', 'a.md')]);
  });

  it('does not follow a link back to a folder it is walking, but does follow one to a folder elsewhere', async () => {
    const root = join(tmp.dir, 'linked');
    write('linked/l.md', '# L\n\nlima');
    write('elsewhere/o.md', '# O\n\noscar');
    symlinkSync('.', join(root, 'loop'));
    symlinkSync(join(tmp.dir, 'elsewhere'), join(root, 'other'));
    // Before: l.md, loop/l.md, loop/loop/l.md, ... some 40 levels deep, until the system refused.
    expect((await listSourceFiles([root])).map((f) => relative(root, f.path))).toEqual(['l.md', join('other', 'o.md')]);
  });

  it('rejects a named file of an unknown type', async () => {
    const err = await ragErrorOfAsync(() => listSourceFiles([join(tmp.dir, 'docs/notes.docx')]));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toContain('notes.docx');
  });

  it('rejects a path that does not exist', async () => {
    const err = await ragErrorOfAsync(() => listSourceFiles([join(tmp.dir, 'nowhere')]));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('nowhere');
  });
});

describe('readDocumentBatches', () => {
  it('reads files with ids relative to base and formats from extensions', async () => {
    const files = await listSourceFiles([join(tmp.dir, 'docs')]);
    const batches = await collect(readDocumentBatches(files, { batchSize: 100, base: tmp.dir }));
    expect(batches).toHaveLength(1);
    expect(batches[0]?.map((d) => [d.id, d.format, d.text])).toEqual([
      [join('docs', 'a.md'), 'markdown', '# A\n\nalpha'],
      [join('docs', 'b.HTML'), 'html', '<p>beta</p>'],
      [join('docs', 'sub', 'c.txt'), 'text', 'gamma'],
      [join('docs', 'sub', 'deeper', 'd.rst'), 'text', 'delta'],
      [join('docs', 'sub', 'e.markdown'), 'markdown', 'epsilon'],
    ]);
  });

  it('uses the absolute path as id for files outside base', async () => {
    const inside = join(tmp.dir, 'docs/sub/c.txt');
    const outside = join(tmp.dir, 'docs/a.md');
    const batches = await collect(readDocumentBatches([inside, outside], { batchSize: 10, base: join(tmp.dir, 'docs/sub') }));
    expect(batches[0]?.map((d) => d.id)).toEqual(['c.txt', outside]);
  });

  it('batches by size across files and streams JSONL rows, skipping blank lines', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => JSON.stringify({ _id: `r${i}`, text: `row ${i}` }));
    const jsonl = write('many.jsonl', `${rows.slice(0, 3).join('\n')}\n\n  \n${rows.slice(3).join('\r\n')}\n`);
    const md = join(tmp.dir, 'docs/a.md');
    const batches = await collect(readDocumentBatches([md, jsonl], { batchSize: 3, base: tmp.dir }));
    expect(batches.map((b) => b.length)).toEqual([3, 3, 2]);
    expect(batches.flat().map((d) => d.id)).toEqual([join('docs', 'a.md'), 'r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(batches.flat()[4]?.text).toBe('row 3');
  });

  it('yields nothing for no files or an empty JSONL file', async () => {
    expect(await collect(readDocumentBatches([], { batchSize: 5 }))).toEqual([]);
    expect(await collect(readDocumentBatches([join(tmp.dir, 'corpus.jsonl')], { batchSize: 5 }))).toEqual([]);
  });

  it('yields a batch before reaching a malformed line, then fails naming file:line', async () => {
    const path = write('broken.jsonl', '{"_id":"a","text":"ok"}\n{"_id":"b","text":"ok"}\n\n{"_id": "c", "text": \n');
    const seen: string[] = [];
    const err = await ragErrorOfAsync(async () => {
      for await (const batch of readDocumentBatches([path], { batchSize: 2 })) seen.push(...batch.map((d) => d.id));
    });
    expect(err.code).toBe('INVALID_DOCUMENT');
    expect(err.message).toContain(`${path}:4`);
    expect(seen).toEqual(['a', 'b']);
  });

  it('names file:line for a well-formed line that is not a valid document', async () => {
    const path = write('noid.jsonl', '{"_id":"a","text":"ok"}\n{"title":"no id","text":"x"}\n');
    const err = await ragErrorOfAsync(() => collect(readDocumentBatches([path], { batchSize: 10 })));
    expect(err.code).toBe('INVALID_DOCUMENT');
    expect(err.message).toContain(`${path}:2`);
  });

  it('refuses a file that is not UTF-8, naming it and the line, rather than storing replacement characters', async () => {
    const path = join(tmp.dir, 'latin1.md');
    writeFileSync(path, Buffer.concat([Buffer.from('# Menu\n\nTea\n'), Buffer.from('caf\xe9 au lait\n', 'latin1')]));
    const err = await ragErrorOfAsync(() => collect(readDocumentBatches([path], { batchSize: 10 })));
    expect(err.code).toBe('INVALID_DOCUMENT');
    expect(err.message).toContain(`${path}: not UTF-8 text (line 4)`);
    expect(err.message).toMatch(/iconv -f windows-1252 -t utf-8 /);
  });

  it('advises converting from UTF-16 for a file that starts with its byte order mark (what PowerShell writes)', async () => {
    const path = join(tmp.dir, 'utf16.txt');
    writeFileSync(path, Buffer.from('\ufeffHi there\n', 'utf16le'));
    const err = await ragErrorOfAsync(() => collect(readDocumentBatches([path], { batchSize: 10 })));
    // Before, the Windows-1252 advice, which stored "ÿþH\u0000i\u0000..." once followed.
    expect(err.message).toMatch(/from UTF-16: iconv -f utf-16 -t utf-8 /);
  });

  it('refuses a JSONL line that is not UTF-8, after the batches before it, naming file:line', async () => {
    const path = join(tmp.dir, 'latin1.jsonl');
    writeFileSync(path, Buffer.concat([Buffer.from('{"_id":"a","text":"ok"}\n{"_id":"b","text":"ok"}\n'), Buffer.from('{"_id":"c","text":"caf\xe9"}\n', 'latin1')]));
    const seen: string[] = [];
    const err = await ragErrorOfAsync(async () => {
      for await (const batch of readDocumentBatches([path], { batchSize: 2 })) seen.push(...batch.map((d) => d.id));
    });
    expect(err.code).toBe('INVALID_DOCUMENT');
    expect(err.message).toContain(`${path}: not UTF-8 text (line 3)`);
    expect(seen).toEqual(['a', 'b']);
  });

  it('reads multi-byte characters split across stream chunks, and strips a leading byte order mark', async () => {
    // Longer than a read chunk (64 kB), so characters and lines straddle chunk boundaries.
    const rows = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ _id: `u${i}`, text: `café 漢字 ${'é'.repeat(i % 7)}` }));
    const jsonl = write('multibyte.jsonl', `\ufeff${rows.join('\r\n')}`);
    const md = write('bom.md', '\ufeff# Café\n\nnaïve');
    const docs = (await collect(readDocumentBatches([jsonl, md], { batchSize: 5000, base: tmp.dir }))).flat();
    expect(docs).toHaveLength(3001);
    expect(docs[0]).toEqual({ id: 'u0', text: 'café 漢字 ' });
    expect(docs[2999]?.text).toBe(`café 漢字 ${'é'.repeat(2999 % 7)}`);
    expect(docs[3000]).toEqual({ id: 'bom.md', text: '# Café\n\nnaïve', format: 'markdown' });
  });

  it('skips a file found in a folder that holds no text, and reports it; a named empty file is read as is', async () => {
    write('mixed/a.md', 'alpha');
    write('mixed/empty.txt', '');
    write('mixed/blank.md', ' \n\t\n');
    write('mixed/z.md', 'zeta');
    const skipped: string[] = [];
    const files = await listSourceFiles([join(tmp.dir, 'mixed'), join(tmp.dir, 'mixed/empty.txt')]);
    const onSkip = (file: string, reason: string): void => {
      skipped.push(`${relative(tmp.dir, file)}: ${reason}`);
    };
    const docs = (await collect(readDocumentBatches(files, { batchSize: 10, base: tmp.dir, onSkip }))).flat();
    expect(docs.map((d) => [d.id, d.text])).toEqual([
      [join('mixed', 'a.md'), 'alpha'],
      // Named on its own (as well as found in the folder, where it is listed once): handed on, for ingestion to
      // refuse with its reason.
      [join('mixed', 'empty.txt'), ''],
      [join('mixed', 'z.md'), 'zeta'],
    ]);
    expect(skipped).toEqual([`${join('mixed', 'blank.md')}: it holds no text`]);
  });

  it('streams a large JSONL file in bounded batches', async () => {
    const n = 2500;
    const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ _id: i, title: `t${i}`, text: `text ${i}` }));
    const path = write('large.jsonl', lines.join('\n'));
    let count = 0;
    let batches = 0;
    for await (const batch of readDocumentBatches([path], { batchSize: 1000 })) {
      expect(batch.length).toBeLessThanOrEqual(1000);
      count += batch.length;
      batches++;
      expect(batch[0]?.id).toBe(String((batches - 1) * 1000));
    }
    expect(count).toBe(n);
    expect(batches).toBe(3);
  });
});

describe('folderIdPrefix', () => {
  it('is the prefix of the ids its files get, however the folder is spelt', () => {
    // Relative folders are read from the working directory, as files are; the ids from it by default.
    for (const folder of ['notes', './notes/', resolve('notes'), 'notes/../notes']) expect(folderIdPrefix(folder), folder).toBe('notes/');
    const base = join(tmp.dir, 'work');
    expect(folderIdPrefix(join(base, 'notes'), base)).toBe('notes/');
    const inside = resolve(base, 'notes', 'sub', 'a.md');
    expect(fileDocumentId(inside, base).startsWith(folderIdPrefix(join(base, 'notes'), base) ?? '?')).toBe(true);
    // Outside the base its files' ids are absolute paths; a folder whose name begins with two dots is as fileDocumentId reads it.
    expect(folderIdPrefix(join(tmp.dir, 'outside'), base)).toBe(`${join(tmp.dir, 'outside')}/`);
    expect(fileDocumentId(join(base, '..x', 'a.md'), base).startsWith(folderIdPrefix(join(base, '..x'), base) ?? '?')).toBe(true);
  });

  it('is null for the base itself and the folders that hold it: their files have bare relative ids', () => {
    const base = join(tmp.dir, 'work');
    expect(folderIdPrefix(base, base)).toBeNull();
    expect(folderIdPrefix(tmp.dir, base)).toBeNull();
    expect(folderIdPrefix('.')).toBeNull();
    expect(folderIdPrefix('..')).toBeNull();
    expect(folderIdPrefix('/')).toBeNull();
  });
});
