import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Chunk, DocumentFormat, Metadata, MetadataFilter, StoredDocument, StructureNode } from '../core/types.js';
import type { ChunkText } from './chunker.js';

/** A document ready to store: structured and chunked, nothing left that can fail but the write itself. */
export interface PreparedDocument {
  id: string;
  title: string;
  format: DocumentFormat;
  meta: Metadata;
  structure: StructureNode;
  chunks: ChunkText[];
}

/** What an index over the store needs of a chunk. */
export interface IndexableChunk {
  rowid: number;
  title: string;
  headingPath: string[];
  text: string;
}

export interface StoreChange {
  added: IndexableChunk[];
  removed: IndexableChunk[];
}

export interface UpsertResult {
  documents: number;
  chunks: number;
  version: number;
}

interface ChunkRow {
  rowid: number;
  id: string;
  doc_id: string;
  title: string;
  heading_path: string;
  text: string;
}

interface DocumentRow {
  seq: number;
  id: string;
  title: string;
  format: DocumentFormat;
  meta: string;
  structure: string;
  chunk_count: number;
  updated_at: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  format TEXT NOT NULL,
  meta TEXT NOT NULL,
  structure TEXT NOT NULL,
  chunk_count INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  doc_seq INTEGER NOT NULL REFERENCES documents(seq) ON DELETE CASCADE,
  ord INTEGER NOT NULL,
  heading_path TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_seq, ord);
-- Contentless: the text lives once, in chunks; FTS5 keeps only the postings (Porter stemming, diacritics folded).
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
  title, heading, body, content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2'
);
`;

/**
 * The embedded store: documents, chunks and structure trees in one SQLite file (WAL), with an FTS5 index.
 * Every batch is one transaction, so a batch is stored whole or not at all.
 */
export class SqliteStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private readonly stmt;

  constructor(path: string) {
    this.path = path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.stmt = {
      docSeq: this.db.prepare<[string], { seq: number }>('SELECT seq FROM documents WHERE id = ?'),
      docById: this.db.prepare<[string], DocumentRow>('SELECT * FROM documents WHERE id = ?'),
      chunksOfDoc: this.db.prepare<[number], ChunkRow>(
        `SELECT c.rowid, c.id, d.id AS doc_id, d.title, c.heading_path, c.text
         FROM chunks c JOIN documents d ON d.seq = c.doc_seq WHERE c.doc_seq = ? ORDER BY c.ord`,
      ),
      deleteFts: this.db.prepare<[number]>('DELETE FROM chunks_fts WHERE rowid = ?'),
      deleteDoc: this.db.prepare<[number]>('DELETE FROM documents WHERE seq = ?'),
      insertDoc: this.db.prepare<[string, string, string, string, string, number, string]>(
        'INSERT INTO documents (id, title, format, meta, structure, chunk_count, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      insertChunk: this.db.prepare<[string, number, number, string, string]>(
        'INSERT INTO chunks (id, doc_seq, ord, heading_path, text) VALUES (?, ?, ?, ?, ?)',
      ),
      insertFts: this.db.prepare<[number, string, string, string]>(
        'INSERT INTO chunks_fts (rowid, title, heading, body) VALUES (?, ?, ?, ?)',
      ),
      // One statement for a whole ranked list, returned in the order asked.
      chunksByRowids: this.db.prepare<[string], ChunkRow>(
        `SELECT c.rowid, c.id, d.id AS doc_id, d.title, c.heading_path, c.text
         FROM json_each(?) j JOIN chunks c ON c.rowid = j.value JOIN documents d ON d.seq = c.doc_seq
         ORDER BY j.key`,
      ),
      allChunks: this.db.prepare<[], ChunkRow>(
        `SELECT c.rowid, c.id, d.id AS doc_id, d.title, c.heading_path, c.text
         FROM chunks c JOIN documents d ON d.seq = c.doc_seq ORDER BY c.rowid`,
      ),
      counts: this.db.prepare<[], { documents: number; chunks: number }>(
        'SELECT (SELECT count(*) FROM documents) AS documents, (SELECT count(*) FROM chunks) AS chunks',
      ),
      dataVersion: this.db.prepare<[], number>('PRAGMA data_version').pluck(),
      getMeta: this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: this.db.prepare<[string, string]>(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      ftsSearch: this.db.prepare<[string, number, number], { rowid: number; score: number }>(
        'SELECT rowid, -bm25(chunks_fts) AS score FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts) LIMIT ? OFFSET ?',
      ),
    };
  }

  /** Inserts or replaces documents by id, all in one transaction; listeners hear of it after the commit. */
  upsert(documents: PreparedDocument[]): UpsertResult {
    const change: StoreChange = { added: [], removed: [] };
    const now = new Date().toISOString();
    let chunkCount = 0;
    const run = this.db.transaction((docs: PreparedDocument[]) => {
      for (const doc of docs) {
        const existing = this.stmt.docSeq.get(doc.id);
        if (existing) change.removed.push(...this.removeDocument(existing.seq));
        const info = this.stmt.insertDoc.run(
          doc.id,
          doc.title,
          doc.format,
          JSON.stringify(doc.meta),
          JSON.stringify(doc.structure),
          doc.chunks.length,
          now,
        );
        const seq = Number(info.lastInsertRowid);
        doc.chunks.forEach((chunk, ord) => {
          const heading = JSON.stringify(chunk.headingPath);
          const rowid = Number(this.stmt.insertChunk.run(`${doc.id}#${ord}`, seq, ord, heading, chunk.text).lastInsertRowid);
          this.stmt.insertFts.run(rowid, doc.title, chunk.headingPath.join(' '), chunk.text);
          change.added.push({ rowid, title: doc.title, headingPath: chunk.headingPath, text: chunk.text });
        });
        chunkCount += doc.chunks.length;
      }
      return this.bumpVersion();
    });
    const version = run.immediate(documents);
    this.emit(change);
    return { documents: documents.length, chunks: chunkCount, version };
  }

  /** Deletes a document and its chunks; false when there was no such document. */
  delete(id: string): boolean {
    const change: StoreChange = { added: [], removed: [] };
    const found = this.db.transaction(() => {
      const existing = this.stmt.docSeq.get(id);
      if (!existing) return false;
      change.removed.push(...this.removeDocument(existing.seq));
      this.bumpVersion();
      return true;
    }).immediate();
    if (found) this.emit(change);
    return found;
  }

  getDocument(id: string): StoredDocument | undefined {
    const row = this.stmt.docById.get(id);
    if (!row) return undefined;
    return {
      id: row.id,
      title: row.title,
      format: row.format,
      meta: JSON.parse(row.meta) as Metadata,
      structure: JSON.parse(row.structure) as StructureNode,
      chunkCount: row.chunk_count,
      updatedAt: row.updated_at,
    };
  }

  /** Chunks by rowid, in the order asked; rowids no longer stored are left out. */
  chunksByRowid(rowids: readonly number[]): Array<Chunk & { rowid: number }> {
    if (rowids.length === 0) return [];
    return this.stmt.chunksByRowids.all(JSON.stringify(rowids)).map(toChunk);
  }

  /** Every chunk, for building an in-memory index; iterates without loading the table at once. */
  *allChunks(): Generator<IndexableChunk> {
    for (const row of this.stmt.allChunks.iterate()) {
      yield { rowid: row.rowid, title: row.title, headingPath: JSON.parse(row.heading_path) as string[], text: row.text };
    }
  }

  /** Rowids of the chunks whose document matches every key of the filter (`docId`, or a metadata key). */
  rowidsMatching(filter: MetadataFilter): Set<number> {
    const clauses: string[] = [];
    const params: Array<string | number> = [];
    for (const [key, value] of Object.entries(filter)) {
      if (key === 'docId') {
        clauses.push('d.id = ?');
        params.push(String(value));
      } else {
        clauses.push(`json_extract(d.meta, ?) = ?`);
        // SQLite's JSON path quotes a key with backslash escapes.
        params.push(`$."${key.replace(/[\\"]/g, (c) => `\\${c}`)}"`, typeof value === 'boolean' ? Number(value) : value);
      }
    }
    const sql = `SELECT c.rowid AS rowid FROM chunks c JOIN documents d ON d.seq = c.doc_seq${clauses.length ? ` WHERE ${clauses.join(' AND ')}` : ''}`;
    const rows = this.db.prepare<Array<string | number>, { rowid: number }>(sql).all(...params);
    return new Set(rows.map((r) => r.rowid));
  }

  /**
   * FTS5 BM25 over a MATCH expression the caller built safely; scores are positive, higher is better. With
   * `allow`, rows outside it are skipped page by page until `limit` rows are found or the matches run out.
   */
  ftsSearch(match: string, limit: number, allow?: ReadonlySet<number>): Array<{ rowid: number; score: number }> {
    if (!allow) return this.stmt.ftsSearch.all(match, limit, 0);
    const out: Array<{ rowid: number; score: number }> = [];
    const page = Math.max(limit * 10, 1000);
    for (let offset = 0; out.length < limit; offset += page) {
      const rows = this.stmt.ftsSearch.all(match, page, offset);
      for (const row of rows) if (allow.has(row.rowid) && out.length < limit) out.push(row);
      if (rows.length < page) break;
    }
    return out;
  }

  /**
   * Every document with its chunks, a page at a time, as ingestion prepared them: what another index (OpenSearch)
   * is rebuilt from. Pages are read by document order, so writes between pages do no harm.
   */
  *preparedDocuments(pageSize = 500): Generator<PreparedDocument[]> {
    const page = this.db.prepare<[number, number], DocumentRow>('SELECT * FROM documents WHERE seq > ? ORDER BY seq LIMIT ?');
    for (let after = 0; ; ) {
      const rows = page.all(after, pageSize);
      if (rows.length === 0) return;
      yield rows.map((row) => ({
        id: row.id,
        title: row.title,
        format: row.format,
        meta: JSON.parse(row.meta) as Metadata,
        structure: JSON.parse(row.structure) as StructureNode,
        chunks: this.stmt.chunksOfDoc.all(row.seq).map((c) => ({ text: c.text, headingPath: JSON.parse(c.heading_path) as string[] })),
      }));
      after = rows[rows.length - 1]!.seq;
    }
  }

  counts(): { documents: number; chunks: number } {
    return this.stmt.counts.get() ?? { documents: 0, chunks: 0 };
  }

  /** Increases with every committed batch or delete: a cache key part that ingestion invalidates. */
  version(): number {
    return Number(this.stmt.getMeta.get('version')?.value ?? 0);
  }

  /** Changes when another connection (another process) commits; used to notice ingestion from the CLI. */
  dataVersion(): number {
    return this.stmt.dataVersion.get() ?? 0;
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A cheap liveness probe for /readyz. */
  ping(): void {
    this.db.prepare('SELECT 1').get();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private removeDocument(seq: number): IndexableChunk[] {
    const removed = this.stmt.chunksOfDoc.all(seq).map((row) => {
      this.stmt.deleteFts.run(row.rowid);
      return { rowid: row.rowid, title: row.title, headingPath: JSON.parse(row.heading_path) as string[], text: row.text };
    });
    this.stmt.deleteDoc.run(seq);
    return removed;
  }

  private bumpVersion(): number {
    const next = this.version() + 1;
    this.stmt.setMeta.run('version', String(next));
    return next;
  }

  private emit(change: StoreChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

function toChunk(row: ChunkRow): Chunk & { rowid: number } {
  const headingPath = JSON.parse(row.heading_path) as string[];
  const chunk: Chunk & { rowid: number } = { rowid: row.rowid, id: row.id, docId: row.doc_id, title: row.title, text: row.text };
  if (headingPath.length > 0) chunk.headingPath = headingPath;
  return chunk;
}
