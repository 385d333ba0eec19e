import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { hasCjk, spacedCjk } from '../core/analyzer.js';
import { RagError, isRagError } from '../core/errors.js';
import type { Chunk, DocumentFormat, Metadata, MetadataFilter, StoredDocument, StructureNode } from '../core/types.js';
import type { ChunkText } from './chunker.js';
import { ChunkVectors, loadSqliteVec, type NearestHit } from './chunk-vectors.js';
import { describeSpace, isLegacyOf, legacyUnverified, sameSpace, spaceMismatch, type EmbeddingSpace } from './embedding-space.js';
import { filterSql } from './filter-sql.js';
import type { StructuredBy } from './structure-report.js';

/** A document ready to store: structured and chunked, nothing left that can fail but the write itself. */

/** A chunk row as the indexes take it. */
function indexable(row: ChunkRow): IndexableChunk {
  return { rowid: row.rowid, title: row.title, headingPath: JSON.parse(row.heading_path) as string[], text: row.text };
}

/** Every chunk with its document's title, in rowid order. */
const ALL_CHUNKS = `SELECT c.rowid, c.id, d.id AS doc_id, d.title, c.heading_path, c.text
  FROM chunks c JOIN documents d ON d.seq = c.doc_seq ORDER BY c.rowid`;

/** Reads (and this connection's other statements) wait this long for a lock; writes do not wait (see `writing`). */
const READ_BUSY_TIMEOUT_MS = 5000;
export interface PreparedDocument {
  id: string;
  title: string;
  format: DocumentFormat;
  meta: Metadata;
  structure: StructureNode;
  chunks: ChunkText[];
  /** One vector per chunk, in chunk order, when an embedder is configured. */
  vectors?: Float32Array[];
  /** Which structurer built the tree, when an LLM structures documents (reported by the ingestion, not stored). */
  structuredBy?: StructuredBy;
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

/**
 * What opening the store did to an fts index an older version wrote: `reindexed` of its `chunks` (those with CJK
 * text) were indexed again; or why that waits for a later opening (another process writing, an index it may not
 * change), the index left as it was.
 */
export type FtsUpgrade = { reindexed: number; chunks: number } | { deferred: string };

/** Where a store's vectors stand: their space (null when none were ever stored), and how many chunks have one. */
export interface VectorStatus {
  space: EmbeddingSpace | null;
  chunks: number;
  vectors: number;
}

const META_MODEL = 'embedding.model';
const META_DIMENSIONS = 'embedding.dimensions';
/** Where the model of the vectors came from (folder, endpoint): for messages, never compared. */
const META_SOURCE = 'embedding.source';
/** Why the search index (OpenSearch) may disagree with this store, until it is rebuilt from it. */
const META_SEARCH_MISMATCH = 'search.mismatch';
const META_STORE_ID = 'store.id';
/**
 * How the fts index's rows were written. Absent: by an older version, which indexed a run of CJK letters as one
 * token (no question's bigrams match it); 2: CJK text as `spacedCjk`'s bigrams. Opening an older index brings it up
 * to date (`upgradeFts`).
 */
const META_FTS_FORMAT = 'fts.format';
const FTS_FORMAT = 2;
/** Chunks read at a time while bringing an older fts index up to date. */
const FTS_UPGRADE_PAGE = 1000;

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
 * The embedded store: documents, chunks and structure trees in one SQLite file (WAL), with an FTS5 index and,
 * when an embedder is configured, chunk vectors (sqlite-vec). Every batch is one transaction, vectors included,
 * so a batch is stored whole or not at all.
 */
export class SqliteStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly listeners = new Set<(change: StoreChange) => void>();
  /**
   * Chunk rows by rowid: every retrieval loads its hits, and an ensemble's members and rounds load mostly the same
   * ones. Emptied on every commit here and whenever another connection commits (rowids can be reused).
   */
  private readonly chunkRows: LRUCache<number, Readonly<Chunk & { rowid: number }>>;
  private chunkRowsVersion = -1;
  /** A search-index mismatch the store could not write down (it was refusing writes): see `markSearchMismatch`. */
  private unrecordedMismatch: string | null = null;
  /** The last `vectorProblem` answer, and the store state and space it was for. */
  private vectorCheck: { data: number; version: number; space: string; problem: string | null } | undefined;
  private id: string | undefined;
  private readonly vectors: ChunkVectors;
  private readonly stmt;
  /** What this opening did to bring an older fts index up to date; null when it was current. For the caller to log. */
  readonly ftsUpgrade: FtsUpgrade | null;

  /** `cachedChunks`: chunk rows kept in memory by rowid (the most recently read). */
  constructor(path: string, options: { cachedChunks?: number } = {}) {
    this.path = path;
    this.chunkRows = new LRUCache({ max: options.cachedChunks ?? 20_000 });
    this.db = openDatabase(path);
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma(`busy_timeout = ${READ_BUSY_TIMEOUT_MS}`);
    loadSqliteVec(this.db);
    this.db.exec(SCHEMA);
    this.vectors = new ChunkVectors(this.db);
    this.stmt = {
      docSeq: this.db.prepare<[string], { seq: number }>('SELECT seq FROM documents WHERE id = ?'),
      docById: this.db.prepare<[string], DocumentRow>('SELECT * FROM documents WHERE id = ?'),
      listDocs: this.db.prepare<[string, string, number], Omit<DocumentRow, 'structure' | 'seq'>>(
        'SELECT id, title, format, meta, chunk_count, updated_at FROM documents WHERE id > ? AND id >= ? ORDER BY id LIMIT ?',
      ),
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
      allChunks: this.db.prepare<[], ChunkRow>(ALL_CHUNKS),
      counts: this.db.prepare<[], { documents: number; chunks: number }>(
        'SELECT (SELECT count(*) FROM documents) AS documents, (SELECT count(*) FROM chunks) AS chunks',
      ),
      dataVersion: this.db.prepare<[], number>('PRAGMA data_version').pluck(),
      getMeta: this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: this.db.prepare<[string, string]>(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      chunksAfter: this.db.prepare<[number, number], ChunkRow>(
        `SELECT c.rowid, c.id, d.id AS doc_id, d.title, c.heading_path, c.text
         FROM chunks c JOIN documents d ON d.seq = c.doc_seq WHERE c.rowid > ? ORDER BY c.rowid LIMIT ?`,
      ),
      chunkExists: this.db.prepare<[number], { one: number }>('SELECT 1 AS one FROM chunks WHERE rowid = ?'),
      deleteMeta: this.db.prepare<[string]>('DELETE FROM meta WHERE key = ?'),
      ftsSearch: this.db.prepare<[string, number, number], { rowid: number; score: number }>(
        'SELECT rowid, -bm25(chunks_fts) AS score FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts) LIMIT ? OFFSET ?',
      ),
    };
    this.ftsUpgrade = this.upgradeFts();
  }

  /**
   * Brings an fts index an older version wrote up to date: every chunk with CJK letters in its title, heading or
   * text is deleted from it and inserted again as `upsert` writes it now. This runs once per store (the marker then
   * says so): one pass over the chunk texts with a regex, so a store without CJK text just gets the marker; a new
   * store gets it too. Busy or read-only, the index is left as it was and the next opening tries again.
   */
  private upgradeFts(): FtsUpgrade | null {
    // Read first: a current index, the usual case, needs no write lock, which another process may hold.
    if (this.ftsFormat() >= FTS_FORMAT) return null;
    const upgrade = this.db.transaction((): FtsUpgrade | null => {
      // Another process may have brought it up to date since the read above.
      if (this.ftsFormat() >= FTS_FORMAT) return null;
      let reindexed = 0;
      let chunks = 0;
      for (let after = 0; ; ) {
        const page = this.stmt.chunksAfter.all(after, FTS_UPGRADE_PAGE);
        if (page.length === 0) break;
        for (const row of page) {
          const heading = (JSON.parse(row.heading_path) as string[]).join(' ');
          if (!hasCjk(row.title) && !hasCjk(heading) && !hasCjk(row.text)) continue;
          // A contentless_delete table deletes a row by its rowid alone: the values it was written with are not needed.
          this.stmt.deleteFts.run(row.rowid);
          this.stmt.insertFts.run(row.rowid, spacedCjk(row.title), spacedCjk(heading), spacedCjk(row.text));
          reindexed++;
        }
        chunks += page.length;
        after = page[page.length - 1]!.rowid;
      }
      this.stmt.setMeta.run(META_FTS_FORMAT, String(FTS_FORMAT));
      // The fts5 engine's answers, cached under the store's version, may differ now.
      if (reindexed > 0) this.bumpVersion();
      return { reindexed, chunks };
    });
    try {
      return this.writing(() => upgrade.immediate());
    } catch (err) {
      if (isRagError(err) && err.code === 'UNAVAILABLE') return { deferred: err.message };
      throw err;
    }
  }

  private ftsFormat(): number {
    return Number(this.stmt.getMeta.get(META_FTS_FORMAT)?.value ?? 0);
  }

  /**
   * Inserts or replaces documents by id, all in one transaction; listeners hear of it after the commit. `space`
   * names the embedding model of the documents' vectors: once a store holds vectors, every batch must bring
   * vectors of that same space, so dense retrieval never silently misses a chunk.
   */
  upsert(documents: PreparedDocument[], space?: EmbeddingSpace): UpsertResult {
    // Nothing to write changes nothing: a new version would throw away every cached answer for no change.
    if (documents.length === 0) return { documents: 0, chunks: 0, version: this.version() };
    const change: StoreChange = { added: [], removed: [] };
    const now = new Date().toISOString();
    let chunkCount = 0;
    const run = this.db.transaction((docs: PreparedDocument[]) => {
      const withVectors = writableVectors(() => this.checkVectorsOf(docs, space));
      for (const doc of docs) {
        const existing = this.stmt.docSeq.get(doc.id);
        if (existing) change.removed.push(...this.removeDocument(existing.seq, withVectors));
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
        const ftsTitle = spacedCjk(doc.title);
        doc.chunks.forEach((chunk, ord) => {
          const heading = JSON.stringify(chunk.headingPath);
          const rowid = Number(this.stmt.insertChunk.run(`${doc.id}#${ord}`, seq, ord, heading, chunk.text).lastInsertRowid);
          // CJK text as bigrams, as the analyser splits it, so the fts5 engine matches a question's bigrams too.
          this.stmt.insertFts.run(rowid, ftsTitle, spacedCjk(chunk.headingPath.join(' ')), spacedCjk(chunk.text));
          const vector = doc.vectors?.[ord];
          if (withVectors && vector) this.vectors.insert(rowid, vector);
          change.added.push({ rowid, title: doc.title, headingPath: chunk.headingPath, text: chunk.text });
        });
        chunkCount += doc.chunks.length;
      }
      return this.bumpVersion();
    });
    const version = this.writing(() => run.immediate(documents));
    this.emit(change);
    return { documents: documents.length, chunks: chunkCount, version };
  }

  /** Deletes a document and its chunks; false when there was no such document. */
  delete(id: string): boolean {
    return this.deleteMany([id]).length > 0;
  }

  /**
   * Deletes documents and their chunks in one transaction: one version, one change for the indexes that follow the
   * store (and for a server on the same file to notice), not one per document. Returns the ids that were stored.
   */
  deleteMany(ids: readonly string[]): string[] {
    const change: StoreChange = { added: [], removed: [] };
    const deleted = this.writing(() =>
      this.db
        .transaction(() => {
          const withVectors = this.vectors.exists();
          const found: string[] = [];
          for (const id of ids) {
            const existing = this.stmt.docSeq.get(id);
            if (!existing) continue;
            change.removed.push(...this.removeDocument(existing.seq, withVectors));
            found.push(id);
          }
          if (found.length > 0) this.bumpVersion();
          return found;
        })
        .immediate(),
    );
    if (deleted.length > 0) this.emit(change);
    return deleted;
  }

  /**
   * A write; an index the process may not change (file permissions, a read-only mount) is named in the error. While
   * another process writes (`rag ingest`, `rag reindex`), it fails at once with a busy UNAVAILABLE rather than wait
   * in SQLite, which would hold the event loop and every request with it: `whileBusy` waits between tries.
   */
  private writing<T>(write: () => T): T {
    this.db.pragma('busy_timeout = 0');
    try {
      return write();
    } catch (err) {
      if (err instanceof Database.SqliteError && err.code.startsWith('SQLITE_READONLY')) {
        throw new RagError('UNAVAILABLE', `the index ${this.path} is read-only here (${err.message}); nothing was written`, undefined, { cause: err });
      }
      if (err instanceof Database.SqliteError && err.code.startsWith('SQLITE_BUSY')) {
        throw new RagError('UNAVAILABLE', `the index ${this.path} is being written by another process (rag ingest, rag reindex); nothing was written: try again`, { busy: true }, { cause: err });
      }
      throw err;
    } finally {
      this.db.pragma(`busy_timeout = ${READ_BUSY_TIMEOUT_MS}`);
    }
  }

  /**
   * Documents in id order after `after` (keyset paging: a page is found by the unique id index, however deep),
   * at most `limit`, without their trees: what a listing shows. With `prefix`, only ids that start with it: they
   * lie together in id order, so the page starts at the prefix and ends at the first id without it.
   */
  listDocuments(options: DocumentPageOptions): Array<Omit<StoredDocument, 'structure'>> {
    const prefix = options.prefix ?? '';
    const rows = this.stmt.listDocs.all(options.after ?? '', prefix, options.limit);
    const end = rows.findIndex((r) => !r.id.startsWith(prefix));
    return (end === -1 ? rows : rows.slice(0, end)).map(summaryOf);
  }

  /** A page of `listDocuments` and, when it is full, `next`: the id the next page comes after (that page may be empty). */
  documentPage(options: DocumentPageOptions): { documents: Array<Omit<StoredDocument, 'structure'>>; next?: string } {
    const documents = this.listDocuments(options);
    const last = documents.length === options.limit ? documents[documents.length - 1] : undefined;
    return last ? { documents, next: last.id } : { documents };
  }

  getDocument(id: string): StoredDocument | undefined {
    const row = this.stmt.docById.get(id);
    if (!row) return undefined;
    return { ...summaryOf(row), structure: JSON.parse(row.structure) as StructureNode };
  }

  /** Chunks by rowid, in the order asked; rowids no longer stored are left out. */
  chunksByRowid(rowids: readonly number[]): Array<Chunk & { rowid: number }> {
    if (rowids.length === 0) return [];
    const version = this.dataVersion();
    if (version !== this.chunkRowsVersion) {
      this.chunkRows.clear();
      this.chunkRowsVersion = version;
    }
    // Rows found here are kept aside: filling the cache may evict a row this very call found in it.
    const found = new Map<number, Readonly<Chunk & { rowid: number }>>();
    const missing: number[] = [];
    for (const rowid of rowids) {
      const hit = this.chunkRows.get(rowid);
      if (hit !== undefined) found.set(rowid, hit);
      else missing.push(rowid);
    }
    if (missing.length > 0) {
      for (const row of this.stmt.chunksByRowids.all(JSON.stringify(missing))) {
        const chunk = Object.freeze(toChunk(row));
        this.chunkRows.set(row.rowid, chunk);
        found.set(row.rowid, chunk);
      }
    }
    const out: Array<Chunk & { rowid: number }> = [];
    for (const rowid of rowids) {
      const chunk = found.get(rowid);
      if (chunk !== undefined) out.push({ ...chunk });
    }
    return out;
  }

  /** Every chunk, for building an in-memory index; iterates without loading the table at once. */
  *allChunks(): Generator<IndexableChunk> {
    for (const row of this.stmt.allChunks.iterate()) {
      yield indexable(row);
    }
  }

  /** Rowids of the chunks whose document matches every key of the filter (`docId`, or a metadata key). */
  rowidsMatching(filter: MetadataFilter): Set<number> {
    const { sql, params } = filterSql(filter);
    const rows = this.db
      .prepare<Array<string | number>, { rowid: number }>(`SELECT c.rowid AS rowid FROM chunks c JOIN documents d ON d.seq = c.doc_seq WHERE ${sql}`)
      .all(...params);
    return new Set(rows.map((r) => r.rowid));
  }

  /** The embedding space of the stored vectors; null when the store has never held any. */
  embeddingSpace(): EmbeddingSpace | null {
    const model = this.stmt.getMeta.get(META_MODEL)?.value;
    const dimensions = this.stmt.getMeta.get(META_DIMENSIONS)?.value;
    const source = this.stmt.getMeta.get(META_SOURCE)?.value;
    if (model === undefined || dimensions === undefined) return null;
    return { model, dimensions: Number(dimensions), ...(source !== undefined ? { source } : {}) };
  }

  /**
   * Checks an embedder's space against the recorded one before it is used: another model or dimension is refused
   * (a CONFIG error naming both). A space recorded by an older version under the embedder's kind alone ("local",
   * "http") with the same dimension is taken over by this identity only with `legacyVerified`: once the caller has
   * re-embedded a sample of the stored chunks and found their vectors (`checkLegacySpace`); the replaced space is
   * returned so the caller can say so. Null when nothing changed.
   */
  checkSpace(space: EmbeddingSpace, options: { legacyVerified?: boolean } = {}): EmbeddingSpace | null {
    // Read first: the usual answer (same space, or none) needs no write lock, which another process may hold.
    const seen = this.embeddingSpace();
    if (seen === null || sameSpace(seen, space)) return null;
    if (!isLegacyOf(seen, space)) throw spaceMismatch(this.path, seen, space);
    if (!options.legacyVerified) throw legacyUnverified(this.path, seen);
    return this.db.transaction(() => {
      const recorded = this.embeddingSpace();
      if (recorded === null || sameSpace(recorded, space)) return null;
      if (!isLegacyOf(recorded, space)) throw spaceMismatch(this.path, recorded, space);
      // An older version may have recorded the kind without ever creating the table.
      this.vectors.create(space.dimensions);
      this.recordSpace(space);
      return recorded;
    }).immediate();
  }

  /**
   * Up to `n` stored chunks with their vectors, chosen the same way every time: spread evenly over the chunks
   * that have one, first and last included. For checking which model made them.
   */
  vectorSample(n: number): Array<{ chunk: IndexableChunk; vector: Float32Array }> {
    if (!this.vectors.exists() || n <= 0) return [];
    const rowids = [...this.vectors.rowids()].sort((a, b) => a - b);
    // Steps of at least one when there are more rowids than picks, so the picks are distinct.
    const picks = rowids.length <= n ? rowids : Array.from({ length: n }, (_, i) => rowids[Math.round((i * (rowids.length - 1)) / Math.max(1, n - 1))] as number);
    const out: Array<{ chunk: IndexableChunk; vector: Float32Array }> = [];
    for (const rowid of picks) {
      const chunk = this.stmt.chunksAfter.get(rowid - 1, 1);
      const vector = this.vectors.get(rowid);
      if (chunk?.rowid === rowid && vector !== undefined) out.push({ chunk: indexable(chunk), vector });
    }
    return out;
  }

  /**
   * Why this store's vectors cannot be searched with vectors of `space` now, or null when they can. The server
   * checks at start-up, but another process may since have rebuilt them with another model (`rag reindex --vectors
   * --rebuild`) or dropped them (`--drop-vectors`): a query vector compared with another model's vectors ranks at
   * random, silently. Read again only after a commit (this process's or another's).
   */
  vectorProblem(space: EmbeddingSpace): string | null {
    const data = this.dataVersion();
    const version = this.version();
    const key = `${space.model}:${space.dimensions}`;
    const last = this.vectorCheck;
    // This process's own writes are checked as they are made (`checkVectorsOf`): a store found usable stays so
    // until another process commits, and a dense query after each ingested batch does not count the vectors again.
    if (last && last.data === data && last.space === key && (last.version === version || last.problem === null)) return last.problem;
    const recorded = this.embeddingSpace();
    let problem: string | null = null;
    if (recorded === null) {
      // A store with no chunks has no vectors yet: its first batch records them.
      const { chunks } = this.counts();
      if (chunks > 0) problem = `store ${this.path} holds no vectors for its ${chunks} chunks (another process dropped them, \`rag reindex --drop-vectors\`): compute them with \`rag reindex --vectors\``;
    } else if (!sameSpace(recorded, space) && !isLegacyOf(recorded, space)) {
      problem = `${spaceMismatch(this.path, recorded, space).message} (they changed after this server started)`;
    } else {
      const { chunks, vectors } = this.vectorStatus();
      if (vectors < chunks) problem = `store ${this.path} has ${chunks - vectors} of ${chunks} chunks without a vector (being computed by \`rag reindex --vectors\`?): dense retrieval would miss them`;
    }
    this.vectorCheck = { data, version, space: key, problem };
    return problem;
  }

  vectorStatus(): VectorStatus {
    return { space: this.embeddingSpace(), chunks: this.counts().chunks, vectors: this.vectors.exists() ? this.vectors.count() : 0 };
  }

  /**
   * Exact k-NN over the chunk vectors by cosine similarity, best first; with a filter, among the chunks it admits
   * (the same condition BM25 filters by). Nothing when the store holds no vectors.
   */
  nearestChunks(vector: Float32Array, k: number, filter?: MetadataFilter): NearestHit[] {
    const space = this.embeddingSpace();
    if (space === null || !this.vectors.exists() || k <= 0) return [];
    if (vector.length !== space.dimensions) {
      throw new RagError('CONFIG', `a query vector of ${vector.length} dimensions cannot search store ${this.path}, whose vectors are ${describeSpace(space)}`);
    }
    return this.vectors.nearest(vector, k, filter ? filterSql(filter) : undefined);
  }

  /** Rowids of the chunks that have a vector (one scan), for finding those that lack one. */
  vectorRowids(): Set<number> {
    return this.vectors.exists() ? this.vectors.rowids() : new Set();
  }

  /** Up to `limit` chunks with a rowid above `after`, in rowid order: pages through the store. */
  chunksAfter(after: number, limit: number): IndexableChunk[] {
    return this.stmt.chunksAfter.all(after, limit).map(indexable);
  }

  /**
   * Adds vectors to existing chunks in one transaction (the backfill of `rag reindex --vectors`), recording the
   * space when the store has none. Chunks deleted meanwhile, or that got a vector meanwhile, are skipped; returns
   * the number written.
   */
  addVectors(entries: ReadonlyArray<{ rowid: number; vector: Float32Array }>, space: EmbeddingSpace): number {
    this.vectorCheck = undefined;
    return this.db.transaction(() => {
      this.adoptSpace(space);
      let written = 0;
      for (const { rowid, vector } of entries) {
        checkLength(vector, space, `chunk ${rowid}`);
        if (this.stmt.chunkExists.get(rowid) === undefined || this.vectors.has(rowid)) continue;
        this.vectors.insert(rowid, vector);
        written++;
      }
      if (written > 0) this.bumpVersion();
      return written;
    }).immediate();
  }

  /** Removes every vector and the recorded space: for a model change (`rag reindex --vectors --rebuild`) or to stop using dense retrieval. */
  dropVectors(): void {
    this.vectorCheck = undefined;
    this.db.transaction(() => {
      this.vectors.drop();
      this.stmt.deleteMeta.run(META_MODEL);
      this.stmt.deleteMeta.run(META_DIMENSIONS);
      this.stmt.deleteMeta.run(META_SOURCE);
      this.bumpVersion();
    }).immediate();
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
      yield rows.map((row) => this.preparedOf(row));
      after = rows[rows.length - 1]!.seq;
    }
  }

  /** The stored versions of these documents (those the store has), as `preparedDocuments` gives them. */
  preparedDocumentsOf(ids: readonly string[]): PreparedDocument[] {
    const row = this.db.prepare<[string], DocumentRow>('SELECT * FROM documents WHERE id = ?');
    return ids.flatMap((id) => {
      const found = row.get(id);
      return found ? [this.preparedOf(found)] : [];
    });
  }

  /** Why the search index may hold what this store does not (see `markSearchMismatch`), or null. */
  searchMismatch(): string | null {
    return this.stmt.getMeta.get(META_SEARCH_MISMATCH)?.value ?? this.unrecordedMismatch;
  }

  /**
   * Records that the search index (OpenSearch) may disagree with this store, and why: kept in the store, so a
   * restart does not forget it; `null` clears it (a rebuild from this store).
   */
  markSearchMismatch(reason: string | null): void {
    if (reason === null) {
      this.unrecordedMismatch = null;
      this.stmt.deleteMeta.run(META_SEARCH_MISMATCH);
      return;
    }
    try {
      this.stmt.setMeta.run(META_SEARCH_MISMATCH, reason);
    } catch {
      // The very failure being recorded may be the store refusing writes (another process's lock, a full disk): the
      // mismatch is kept in memory then, so /readyz still says it, and the caller's error is not replaced by this one.
      this.unrecordedMismatch = reason;
    }
  }

  private preparedOf(row: DocumentRow): PreparedDocument {
    return {
      ...documentOf(row),
      chunks: this.stmt.chunksOfDoc.all(row.seq).map((c) => ({ text: c.text, headingPath: JSON.parse(c.heading_path) as string[] })),
    };
  }

  counts(): { documents: number; chunks: number } {
    return this.stmt.counts.get() ?? { documents: 0, chunks: 0 };
  }

  /** Increases with every committed batch or delete: a cache key part that ingestion invalidates. */
  version(): number {
    return Number(this.stmt.getMeta.get('version')?.value ?? 0);
  }

  /**
   * The store's own id, random and made once: versions count from 0 in every store, so a cache shared by several
   * stores (one Redis for two deployments), or outliving a store deleted and made anew at the same path, keeps
   * their answers apart by it. Undefined while another process holds the write lock and none was made yet.
   */
  storeId(): string | undefined {
    if (this.id !== undefined) return this.id;
    let id = this.stmt.getMeta.get(META_STORE_ID)?.value;
    if (id === undefined) {
      try {
        // Two processes opening a new store at once: the first id written is the one both keep.
        this.writing(() => this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING').run(META_STORE_ID, randomUUID()));
      } catch (err) {
        if (isRagError(err) && err.code === 'UNAVAILABLE') return undefined;
        throw err;
      }
      id = this.stmt.getMeta.get(META_STORE_ID)?.value;
    }
    this.id = id;
    return id;
  }

  /**
   * Every chunk as of now, read through a connection of its own, so it can be read a page at a time between
   * other work (the main connection stays free for queries and writes, which the snapshot does not see). Null for
   * an in-memory store, which no other process can change. `close` ends the snapshot.
   */
  chunkSnapshot(): { chunks: Generator<IndexableChunk>; close: () => void } | null {
    if (this.path === ':memory:') return null;
    const db = new Database(this.path, { readonly: true, fileMustExist: true });
    const rows = db
      .prepare<[], ChunkRow>(ALL_CHUNKS)
      .iterate();
    function* chunks(): Generator<IndexableChunk> {
      for (const row of rows) yield indexable(row);
    }
    return {
      chunks: chunks(),
      close: () => {
        rows.return?.();
        db.close();
      },
    };
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

  private removeDocument(seq: number, withVectors: boolean): IndexableChunk[] {
    const removed = this.stmt.chunksOfDoc.all(seq).map((row) => {
      this.stmt.deleteFts.run(row.rowid);
      if (withVectors) this.vectors.delete(row.rowid);
      return indexable(row);
    });
    this.stmt.deleteDoc.run(seq);
    return removed;
  }

  /**
   * Inside an upsert's transaction: whether this batch stores vectors, after checking they fit the store. A store
   * that holds vectors takes only batches with vectors of its own space; the first vectors record the space, and
   * only into a store with no chunks yet (older chunks would lack vectors: `rag reindex --vectors` fills them).
   */
  private checkVectorsOf(docs: PreparedDocument[], space: EmbeddingSpace | undefined): boolean {
    const recorded = this.embeddingSpace();
    if (space === undefined) {
      if (recorded !== null && docs.length > 0) {
        throw new RagError(
          'CONFIG',
          `store ${this.path} holds vectors from embedding model ${describeSpace(recorded)}: documents must be ingested with that embedder configured, ` +
            'or dense retrieval would miss them (to stop using vectors, drop them with `rag reindex --drop-vectors`)',
        );
      }
      return false;
    }
    for (const doc of docs) {
      if (doc.vectors?.length !== doc.chunks.length) {
        throw new RagError('INTERNAL', `document "${doc.id}" has ${doc.vectors?.length ?? 0} vectors for ${doc.chunks.length} chunks`);
      }
      for (const vector of doc.vectors) checkLength(vector, space, `document "${doc.id}"`);
    }
    if (recorded === null) {
      const { chunks } = this.counts();
      if (chunks > 0) {
        throw new RagError(
          'CONFIG',
          `store ${this.path} has ${chunks} chunks without vectors: compute them with \`rag reindex --vectors\` before ingesting with an embedder`,
        );
      }
    }
    this.adoptSpace(space);
    return true;
  }

  /**
   * Records the space and creates the vector table when the store has none; refuses another space, and a legacy
   * one that `checkSpace` has not taken over after checking it.
   */
  private adoptSpace(space: EmbeddingSpace): void {
    const recorded = this.embeddingSpace();
    if (recorded !== null && sameSpace(recorded, space)) return;
    if (recorded !== null) throw isLegacyOf(recorded, space) ? legacyUnverified(this.path, recorded) : spaceMismatch(this.path, recorded, space);
    this.vectors.create(space.dimensions);
    this.recordSpace(space);
  }

  private recordSpace(space: EmbeddingSpace): void {
    this.stmt.setMeta.run(META_MODEL, space.model);
    this.stmt.setMeta.run(META_DIMENSIONS, String(space.dimensions));
    if (space.source !== undefined) this.stmt.setMeta.run(META_SOURCE, space.source);
    else this.stmt.deleteMeta.run(META_SOURCE);
  }

  private bumpVersion(): number {
    const next = this.version() + 1;
    this.stmt.setMeta.run('version', String(next));
    return next;
  }

  private emit(change: StoreChange): void {
    this.chunkRows.clear();
    for (const listener of this.listeners) listener(change);
  }
}

function checkLength(vector: Float32Array, space: EmbeddingSpace, what: string): void {
  if (vector.length !== space.dimensions) {
    throw new RagError('INTERNAL', `${what}: a vector of ${vector.length} dimensions, but the space ${describeSpace(space)} has ${space.dimensions}`);
  }
}

function toChunk(row: ChunkRow): Chunk & { rowid: number } {
  const headingPath = JSON.parse(row.heading_path) as string[];
  const chunk: Chunk & { rowid: number } = { rowid: row.rowid, id: row.id, docId: row.doc_id, title: row.title, text: row.text };
  if (headingPath.length > 0) chunk.headingPath = headingPath;
  return chunk;
}

/**
 * A folder and its missing parents, one level at a time: mkdirSync's `recursive` spins forever at full CPU where a
 * folder's mkdir answers ENOENT under a parent that exists (store.path under /proc), so the start hung silently.
 */
function makeFolder(dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new Error(`${dir} is a file, not a folder`);
    return;
  }
  const parent = dirname(dir);
  if (parent !== dir) makeFolder(parent);
  try {
    mkdirSync(dir);
  } catch (err) {
    // Made meanwhile by another process starting on the same store.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** The index file, its folder made if need be; a path that cannot hold one fails naming it. */
function openDatabase(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') makeFolder(dirname(path));
    db = new Database(path);
    // Reads the header (a file that is not a database fails here) and writes it (so does one it may not change).
    db.pragma('journal_mode = WAL');
    return db;
  } catch (err) {
    db?.close();
    throw new RagError('CONFIG', `cannot open the index ${path} (store.path): ${(err as Error).message}`, undefined, { cause: err });
  }
}

/** A document row's own fields, read back: what a stored and a prepared document share. */
/** A stored document without its tree, as a listing shows it. */
/** Which page of the stored documents: after an id (none: from the first), at most `limit`, ids under a prefix. */
export interface DocumentPageOptions {
  after?: string | undefined;
  limit: number;
  prefix?: string | undefined;
}

function summaryOf(row: Omit<DocumentRow, 'structure' | 'seq'>): Omit<StoredDocument, 'structure'> {
  return { id: row.id, title: row.title, format: row.format, meta: JSON.parse(row.meta) as Metadata, chunkCount: row.chunk_count, updatedAt: row.updated_at };
}

function documentOf(row: DocumentRow): { id: string; title: string; format: DocumentFormat; meta: Metadata; structure: StructureNode } {
  return { id: row.id, title: row.title, format: row.format, meta: JSON.parse(row.meta) as Metadata, structure: JSON.parse(row.structure) as StructureNode };
}

/**
 * A batch's vectors that do not fit the store, found as it is written: the store changed under a running server
 * (another process rebuilt or dropped its vectors) or this process runs without the store's embedder. A 503 naming
 * the fix, nothing written; as the store's own CONFIG error it was a 500, an internal error to an HTTP client.
 */
function writableVectors(check: () => boolean): boolean {
  try {
    return check();
  } catch (err) {
    if (isRagError(err) && err.code === 'CONFIG') throw new RagError('UNAVAILABLE', `${err.message}; nothing of this batch was stored`, err.details, { cause: err });
    throw err;
  }
}
