import Database from 'better-sqlite3';
import type { ChunkText } from '../../src/store/chunker.js';
import type { PreparedDocument } from '../../src/store/sqlite-store.js';
import type { Metadata } from '../../src/core/types.js';

/** A prepared document with one chunk per text, all in the root section unless a heading path is given. */
export function preparedDoc(
  id: string,
  texts: string[],
  options: { title?: string; meta?: Metadata; headingPath?: string[] } = {},
): PreparedDocument {
  const headingPath = options.headingPath ?? [];
  const chunks: ChunkText[] = texts.map((text) => ({ text, headingPath }));
  return {
    id,
    title: options.title ?? id,
    format: 'text',
    meta: options.meta ?? {},
    structure: {
      kind: 'document',
      title: options.title ?? id,
      level: 0,
      children: texts.map((text) => ({ kind: 'paragraph', text, level: 0, children: [] })),
    },
    chunks,
  };
}

/**
 * Rewrites a store's full-text rows as a version before CJK bigrams wrote them (each field unsplit), and removes the
 * marker of the format it now writes: a store as such a version left it.
 */
export function writeFtsTheOldWay(path: string): void {
  const db = new Database(path);
  try {
    const rows = db
      .prepare<[], { rowid: number; title: string; heading_path: string; text: string }>(
        'SELECT c.rowid, d.title, c.heading_path, c.text FROM chunks c JOIN documents d ON d.seq = c.doc_seq',
      )
      .all();
    const remove = db.prepare<[number]>('DELETE FROM chunks_fts WHERE rowid = ?');
    const insert = db.prepare<[number, string, string, string]>('INSERT INTO chunks_fts (rowid, title, heading, body) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (const row of rows) {
        remove.run(row.rowid);
        insert.run(row.rowid, row.title, (JSON.parse(row.heading_path) as string[]).join(' '), row.text);
      }
      db.prepare("DELETE FROM meta WHERE key = 'fts.format'").run();
    })();
  } finally {
    db.close();
  }
}

/** The format of the full-text rows a store records (`fts.format` in its meta table), read past the store. */
export function recordedFtsFormat(path: string): string | undefined {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'fts.format'").get()?.value;
  } finally {
    db.close();
  }
}
