import { createReadStream } from 'node:fs';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { RagError } from '../core/errors.js';
import { withoutBom } from '../core/invisible-marks.js';
import type { DocumentFormat, DocumentInput, Metadata } from '../core/types.js';

const FORMATS: Record<string, DocumentFormat | 'jsonl'> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdx': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
  '.text': 'text',
  '.rst': 'text',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

/** A file to ingest, and whether it was found by walking a folder rather than named itself. */
export interface SourceFile {
  path: string;
  /** Found in a folder: when it holds no text it is skipped, where a file named on its own is an error. */
  walked: boolean;
}

/**
 * Files under the given paths (folders walked recursively, hidden entries skipped) that we know how to read, each
 * once: paths that overlap (`docs docs/api`, `docs ./docs`, a folder and a file in it) name the same file, and so
 * the same id, which twice in a batch would refuse the batch. A file also named on its own counts as named.
 */
export async function listSourceFiles(paths: string[]): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  const seen = new Map<string, SourceFile>();
  const add = (path: string, walked: boolean): void => {
    const key = resolve(path);
    const found = seen.get(key);
    if (found) found.walked &&= walked;
    else {
      const file = { path, walked };
      seen.set(key, file);
      out.push(file);
    }
  };
  // The folders being walked, by their real path: a link back to one of them (`docs/loop -> ..`) is a loop, which
  // was followed until the system refused, every file ingested some 40 times under ever longer ids.
  const walking = new Set<string>();
  const visit = async (path: string, walked: boolean): Promise<void> => {
    const info = await stat(path).catch(() => null);
    if (!info) throw new RagError('NOT_FOUND', `no such file or folder: ${path}`);
    if (info.isDirectory()) {
      const real = await realpath(path);
      if (walking.has(real)) return;
      walking.add(real);
      const entries = (await readdir(path)).filter((e) => !e.startsWith('.') && e !== 'node_modules').sort();
      for (const entry of entries) {
        const child = join(path, entry);
        const childInfo = await stat(child).catch(() => null);
        if (childInfo?.isDirectory() || isSourceFileName(entry)) await visit(child, true);
      }
      walking.delete(real);
    } else if (isSourceFileName(path)) add(path, walked);
    else throw new RagError('BAD_REQUEST', `unsupported file type: ${path} (known: ${Object.keys(FORMATS).join(' ')})`);
  };
  for (const p of paths) await visit(p, false);
  return out;
}

/** One JSONL row (BEIR `{_id,title,text,metadata}` or `{id,title,text,meta}`) as a document input. */
export function documentFromRow(row: unknown, where: string): DocumentInput {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    throw new RagError('INVALID_DOCUMENT', `${where}: a row must be a JSON object`);
  }
  const r = row as Record<string, unknown>;
  const rawId = r['_id'] ?? r['id'];
  if (typeof rawId !== 'string' && typeof rawId !== 'number') {
    throw new RagError('INVALID_DOCUMENT', `${where}: a row needs "_id" or "id"`);
  }
  if (typeof r['text'] !== 'string') throw new RagError('INVALID_DOCUMENT', `${where}: "text" must be a string`);
  const doc: DocumentInput = { id: String(rawId), text: r['text'] };
  // A field of the wrong type is refused, as POST /v1/documents refuses it: dropped, it left a document stored
  // without the title or metadata its row gave, and without a word.
  const title = r['title'];
  if (typeof title === 'string') doc.title = title;
  else if (title !== undefined && title !== null) throw new RagError('INVALID_DOCUMENT', `${where}: "title" must be a string; got ${kindOf(title)}`);
  const format = r['format'];
  if (format === 'text' || format === 'markdown' || format === 'html') doc.format = format;
  else if (format !== undefined && format !== null) throw new RagError('INVALID_DOCUMENT', `${where}: "format" must be text, markdown or html; got ${JSON.stringify(format)}`);
  // BEIR's "metadata" first, as before, and "meta" when it is absent or null.
  const metaField = r['metadata'] === undefined || r['metadata'] === null ? 'meta' : 'metadata';
  const rawMeta = r[metaField];
  if (rawMeta !== undefined && rawMeta !== null && (typeof rawMeta !== 'object' || Array.isArray(rawMeta))) {
    throw new RagError('INVALID_DOCUMENT', `${where}: "${metaField}" must be an object; got ${kindOf(rawMeta)}`);
  }
  const meta = scalarMeta(rawMeta);
  if (meta) doc.meta = meta;
  return doc;
}

/** A JSON value's kind, for a message: "a number", "an array". */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  const kind = typeof value;
  return kind === 'object' ? 'an object' : `a ${kind}`;
}

/** Keeps scalar metadata as is and serialises nested values, so filters can still match them as strings. */
function scalarMeta(value: unknown): Metadata | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Metadata = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = v === null || ['string', 'number', 'boolean'].includes(typeof v) ? (v as Metadata[string]) : JSON.stringify(v);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Where each document read from files came from: "file:line" for a JSONL row, the file otherwise. */
const ORIGINS = new WeakMap<DocumentInput, string>();

/** Where a document read by `readDocumentBatches` came from ("rows.jsonl:3", "docs/a.md"); undefined otherwise. */
export function documentOrigin(doc: DocumentInput): string | undefined {
  return ORIGINS.get(doc);
}

/**
 * Reads the given files (a plain path is a file named by the caller) as batches of documents, streaming JSONL so a
 * large corpus never sits in memory whole. A file's document id is its path relative to `base`. Text that is not
 * UTF-8 is refused, naming the file and line, rather than stored with replacement characters. A file found by
 * walking a folder that holds no text is skipped (reported to `onSkip`); a named one goes on to be refused.
 */
export async function* readDocumentBatches(
  files: Array<string | SourceFile>,
  options: { batchSize: number; base?: string; onSkip?: (file: string, reason: string) => void },
): AsyncGenerator<DocumentInput[]> {
  let batch: DocumentInput[] = [];
  const base = resolve(options.base ?? '.');
  for (const source of files) {
    const { path: file, walked } = typeof source === 'string' ? { path: source, walked: false } : source;
    const format = FORMATS[extname(file).toLowerCase()];
    if (format === 'jsonl') {
      let lineNo = 0;
      for await (const line of utf8Lines(file)) {
        lineNo++;
        if (line.trim().length === 0) continue;
        let row: unknown;
        try {
          row = JSON.parse(lineNo === 1 ? withoutBom(line) : line);
        } catch (err) {
          throw new RagError('INVALID_DOCUMENT', `${file}:${lineNo}: not valid JSON (${(err as Error).message})`);
        }
        const doc = documentFromRow(row, `${file}:${lineNo}`);
        ORIGINS.set(doc, `${file}:${lineNo}`);
        batch.push(doc);
        if (batch.length >= options.batchSize) {
          yield batch;
          batch = [];
        }
      }
    } else if (format) {
      const text = withoutBom(decodeUtf8(await readFile(file), file));
      if (walked && text.trim().length === 0) {
        options.onSkip?.(file, 'it holds no text');
        continue;
      }
      const doc: DocumentInput = { id: fileDocumentId(file, base), text, format };
      ORIGINS.set(doc, file);
      batch.push(doc);
      if (batch.length >= options.batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** A file's document id: inside the `base` folder its relative path (README.md, docs/api.md), elsewhere the absolute one. */
export function fileDocumentId(file: string, base = '.'): string {
  const rel = relative(resolve(base), resolve(file));
  return rel && !rel.startsWith('..') ? rel : resolve(file);
}

/**
 * The id prefix of the files `rag ingest` reads under a folder, as `fileDocumentId` names them: `docs/` for a folder
 * inside `base`, the absolute path and a separator for one outside it. Null for `base` itself or a folder that holds
 * it: its files' ids are bare relative paths (`a.md`), which documents read from another working folder, or sent
 * over HTTP, may have too, so they name no folder.
 */
export function folderIdPrefix(folder: string, base = '.'): string | null {
  const up = relative(resolve(folder), resolve(base));
  if (up === '' || (up !== '..' && !up.startsWith(`..${sep}`) && !isAbsolute(up))) return null;
  return `${fileDocumentId(folder, base)}${sep}`;
}

/** Whether `rag ingest` reads a file of this name (by its extension) when it walks a folder. */
export function isSourceFileName(path: string): boolean {
  return FORMATS[extname(path).toLowerCase()] !== undefined;
}

// Fatal: a byte that is not UTF-8 throws instead of becoming U+FFFD. The BOM is kept here and dropped by withoutBom.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes of a file as UTF-8 text; `firstLine` is the line they start on, for the message when they are not UTF-8. */
function decodeUtf8(bytes: Uint8Array, file: string, firstLine = 1): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // UTF-16 (what Windows PowerShell's ">" writes) opens with its byte order mark; anything else is most likely a
    // Windows code page.
    const utf16 = firstLine === 1 && bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
    const from = utf16 ? 'UTF-16: iconv -f utf-16' : 'Latin-1 or Windows-1252: iconv -f windows-1252';
    throw new RagError(
      'INVALID_DOCUMENT',
      `${file}: not UTF-8 text (line ${firstLine + firstBadLine(bytes)}); convert it first, e.g. from ${from} -t utf-8 ${shellWord(file)} > utf8.tmp && mv utf8.tmp ${shellWord(file)}`,
      { file },
    );
  }
}

/** The index of the first line holding bytes that are not UTF-8 (a newline byte is never part of a character). */
function firstBadLine(bytes: Uint8Array): number {
  let line = 0;
  let start = 0;
  for (;;) {
    const end = bytes.indexOf(0x0a, start);
    try {
      strictUtf8.decode(bytes.subarray(start, end === -1 ? bytes.length : end));
    } catch {
      return line;
    }
    if (end === -1) return line;
    line++;
    start = end + 1;
  }
}

/** A path (or id) as one shell word, quoted only when it needs to be, for a command the user may paste. */
export const shellWord = (path: string): string => (/^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`);

/**
 * The lines of a file, each decoded as strict UTF-8 (a line that is not names its number), a carriage return
 * before the newline dropped; read as a stream, so a large file never sits in memory whole.
 */
async function* utf8Lines(file: string): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let lineNo = 0;
  const take = (): string => {
    lineNo++;
    const text = decodeUtf8(pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending), file, lineNo);
    pending = [];
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      pending.push(chunk.subarray(start, end));
      start = end + 1;
      yield take();
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield take();
}
