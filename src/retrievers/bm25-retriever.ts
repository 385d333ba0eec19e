import { setImmediate as nextTurn } from 'node:timers/promises';
import { identifierTerms, isStopWord, stem, words } from '../core/analyzer.js';
import type { RunContext } from '../core/run-context.js';
import type { RetrieveOptions, ScoredChunk } from '../core/types.js';
import { questionContent } from '../query/question-frame.js';
import { SurfaceVocabulary } from '../query/surface-vocabulary.js';
import type { TermStatistics } from '../refiner/term-statistics.js';
import type { IndexableChunk, SqliteStore, StoreChange } from '../store/sqlite-store.js';
import { Bm25Index, type Bm25Hit } from './bm25-index.js';
import { ftsMatchExpression } from './fts-query.js';
import { Retriever } from './retriever.js';

export interface Bm25RetrieverOptions {
  engine: 'memory' | 'fts5';
  k1: number;
  b: number;
  maxQueryTerms: number;
  /** Also keep the surface vocabulary (for spelling correction) in the memory engine's index pass. */
  vocabulary?: boolean;
  /**
   * From this many chunks, an index that another process's commit made stale is rebuilt in the background, in
   * slices of 15 ms between other work, while queries are answered by FTS5 (default 2,000: about 0.2 s of
   * rebuilding at once). Smaller indexes are rebuilt at once, before the query.
   */
  backgroundRebuildChunks?: number;
}

/** Milliseconds of background rebuilding between two turns of the event loop (other requests run in between). */
const REBUILD_SLICE_MS = 15;

/** The text a chunk is indexed under: its document title and heading path give it context. */
const indexedText = (c: IndexableChunk): string => `${c.title}\n${c.headingPath.join('\n')}\n${c.text}`;

/**
 * Index terms from a text's words (computed once for terms and vocabulary), as `analyze` makes them: the words'
 * stems, and the parts of camel-case identifiers (order does not matter to BM25).
 */
const termsOf = (ws: readonly string[], text: string): string[] => {
  const out = identifierTerms(text);
  for (const w of ws) if (!isStopWord(w)) out.push(stem(w));
  return out;
};

/**
 * BM25 over the embedded store. The "memory" engine keeps postings in RAM (built from the store at first use,
 * then updated on every committed batch); the "fts5" engine asks SQLite's FTS5 index and needs no load time.
 */
export class Bm25Retriever extends Retriever {
  readonly name = 'bm25';
  override readonly synchronous = true;
  private index: Bm25Index | null = null;
  private seenDataVersion = -1;
  private vocab: SurfaceVocabulary | null = null;
  private vocabDataVersion = -1;
  private readonly unsubscribe: () => void;
  /** This process's own changes committed while a background rebuild reads its snapshot; null when none runs. */
  private pending: StoreChange[] | null = null;
  private rebuilding = false;
  /** A background rebuild failed: the next one is done at once. */
  private backgroundFailed = false;
  private closed = false;

  constructor(
    private readonly store: SqliteStore,
    private readonly options: Bm25RetrieverOptions,
  ) {
    super();
    this.unsubscribe = store.onChange((change) => this.apply(change));
  }

  /** Builds the in-memory index now rather than on the first query; returns the number of chunks indexed. */
  warm(onProgress?: (done: number) => void): number {
    if (this.options.engine !== 'memory') return 0;
    return this.memoryIndex(onProgress).size;
  }

  /**
   * True while the in-memory index lags a commit by another process (it is rebuilt in the background from
   * `backgroundRebuildChunks` on, or at the next query): FTS5 answers meanwhile, ranking by its own analysis, which
   * must not be cached under the store's new version as the memory engine's answer.
   */
  stale(): boolean {
    return this.options.engine === 'memory' && this.index !== null && this.store.dataVersion() !== this.seenDataVersion;
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
  }

  /**
   * The index's surface vocabulary (words as written, with chunk frequencies) for spelling correction. The memory
   * engine fills it in the same pass that builds the postings; otherwise (fts5) it is read from the store on first
   * use. Either way it then follows every committed batch.
   */
  vocabulary(): SurfaceVocabulary {
    const dataVersion = this.store.dataVersion();
    if (this.options.engine === 'memory') {
      this.memoryIndex();
      if (this.vocab) return this.vocab;
    }
    if (this.vocab && dataVersion === this.vocabDataVersion) return this.vocab;
    const vocab = new SurfaceVocabulary();
    for (const chunk of this.store.allChunks()) vocab.addChunk(words(indexedText(chunk)));
    this.vocab = vocab;
    this.vocabDataVersion = dataVersion;
    return vocab;
  }

  /**
   * Corpus-wide term statistics (chunks, and chunks per term) of the in-memory index, built on first use as for a
   * query; undefined for the fts5 engine, whose index does not keep them in the analyser's terms.
   */
  termStatistics(): TermStatistics | undefined {
    return this.options.engine === 'memory' ? this.memoryIndex() : undefined;
  }

  protected doRetrieve(query: string, options: RetrieveOptions, ctx: RunContext): ScoredChunk[] {
    ctx.check('retrieve');
    const allow = options.filter ? this.store.rowidsMatching(options.filter) : undefined;
    // A how-to frame ("how do I"), or a "can I" anywhere, is not searched for: its words match passages that quote
    // questions, not answers.
    const text = questionContent(query);
    const hits = this.options.engine === 'memory' ? this.searchMemory(text, options.k, allow) : this.searchFts(text, options.k, allow);
    const chunks = this.store.chunksByRowid(hits.map((h) => h.key));
    const scoreOf = new Map(hits.map((h) => [h.key, h.score]));
    return chunks.map(({ rowid, ...chunk }) => ({ ...chunk, score: scoreOf.get(rowid) ?? 0, source: this.name }));
  }

  private searchMemory(query: string, k: number, allow: Set<number> | undefined): Bm25Hit[] {
    const index = this.memoryIndex();
    // While a large index is rebuilt after another process's commit, its postings may name rows that are gone: a
    // re-ingested document's chunks are deleted and inserted again under new rowids, so the index as it was found
    // nothing at all for seconds while `rag ingest` re-read an unchanged folder. FTS5, which every commit keeps
    // current, answers meanwhile (not cached: see `stale`).
    if (this.stale()) return this.searchFts(query, k, allow);
    const options: { maxTerms: number; allow?: Set<number> } = { maxTerms: this.options.maxQueryTerms };
    if (allow) options.allow = allow;
    return index.search(termsOf(words(query), query), k, options);
  }

  private searchFts(query: string, k: number, allow: Set<number> | undefined): Bm25Hit[] {
    const match = ftsMatchExpression(query, this.options.maxQueryTerms);
    if (match === null) return [];
    return this.store.ftsSearch(match, k, allow).map((r) => ({ key: r.rowid, score: r.score }));
  }

  private memoryIndex(onProgress?: (done: number) => void): Bm25Index {
    // Another process (e.g. `rag ingest`) committed: rebuild from the store rather than serve stale postings.
    const dataVersion = this.store.dataVersion();
    if (this.index && dataVersion === this.seenDataVersion) return this.index;
    // A large index is rebuilt in the background: rebuilding 100k chunks at once held every request for seconds.
    if (this.index && this.index.size >= (this.options.backgroundRebuildChunks ?? 2000) && this.rebuildInBackground()) return this.index;
    const built = this.build(this.store.allChunks(), onProgress);
    this.install(built, dataVersion);
    return built.index;
  }

  /** A new index (and vocabulary, when kept) of these chunks. */
  private build(chunks: Iterable<IndexableChunk>, onProgress?: (done: number) => void): Built {
    const built = this.empty();
    let done = 0;
    for (const chunk of chunks) {
      addChunk(built.index, built.vocab, chunk);
      if (++done % 5000 === 0) onProgress?.(done);
    }
    return built;
  }

  private empty(): Built {
    return { index: new Bm25Index({ k1: this.options.k1, b: this.options.b }), vocab: this.options.vocabulary ? new SurfaceVocabulary() : null };
  }

  private install(built: Built, dataVersion: number): void {
    this.backgroundFailed = false;
    this.index = built.index;
    this.seenDataVersion = dataVersion;
    if (built.vocab) {
      this.vocab = built.vocab;
      this.vocabDataVersion = dataVersion;
    }
  }

  /**
   * Starts rebuilding from a snapshot of the store, a page at a time between other work; this process's own commits
   * after the snapshot are replayed on the new index before it replaces the old. False when it cannot (an
   * in-memory store has no other process to notice), true when one is started or already running.
   */
  private rebuildInBackground(): boolean {
    if (this.rebuilding) return true;
    if (this.store.path === ':memory:' || this.backgroundFailed) return false;
    this.rebuilding = true;
    void (async () => {
      // Never inside the query that noticed the change: FTS5 answers it, and the next ones until the swap.
      await nextTurn();
      if (this.closed) return;
      // The version, the snapshot's start and the log of own commits, with nothing in between: a commit by another
      // process meanwhile makes the next query rebuild again, and none of this process's is missed or counted twice.
      const dataVersion = this.store.dataVersion();
      const snapshot = this.store.chunkSnapshot();
      if (!snapshot) return;
      const pending: StoreChange[] = [];
      try {
        let next = snapshot.chunks.next();
        this.pending = pending;
        const { index, vocab } = this.empty();
        let slice = performance.now();
        for (let done = 1; !next.done; done++, next = snapshot.chunks.next()) {
          addChunk(index, vocab, next.value);
          if (done % 50 === 0 && performance.now() - slice > REBUILD_SLICE_MS) {
            await nextTurn();
            if (this.closed) return;
            slice = performance.now();
          }
        }
        for (const change of pending) applyTo(index, vocab, change);
        this.install({ index, vocab }, dataVersion);
      } finally {
        snapshot.close();
        this.pending = null;
      }
    })()
      // A failed rebuild leaves the stale index in place for now; the next query rebuilds at once, as a small index
      // does, so a snapshot that cannot be read is not a stale index for ever (and its error reaches a caller).
      .catch(() => {
        this.backgroundFailed = true;
      })
      .finally(() => {
        this.rebuilding = false;
      });
    return true;
  }

  private apply(change: StoreChange): void {
    this.pending?.push(change);
    // An index another process's commit made stale is rebuilt from the store, which holds this change too. Applied
    // to it, a new chunk may have the rowid of a row the other process deleted (SQLite reuses the highest), which
    // the index still holds: the add threw after the commit, failing a write that was stored.
    if (this.stale()) return;
    applyTo(this.index, this.vocab, change);
  }
}

/** A committed change applied to an index and a vocabulary (either may be left out). */
function applyTo(index: Bm25Index | null, vocab: SurfaceVocabulary | null, change: StoreChange): void {
  if (!index && !vocab) return;
  for (const chunk of change.removed) {
    const text = indexedText(chunk);
    const ws = words(text);
    index?.remove(chunk.rowid, termsOf(ws, text));
    vocab?.removeChunk(ws);
  }
  for (const chunk of change.added) addChunk(index, vocab, chunk);
}

/** One chunk added to an index and a vocabulary (either may be left out); its words are computed once for both. */
function addChunk(index: Bm25Index | null, vocab: SurfaceVocabulary | null, chunk: IndexableChunk): void {
  const text = indexedText(chunk);
  const ws = words(text);
  index?.add(chunk.rowid, termsOf(ws, text));
  vocab?.addChunk(ws);
}

/** An index with its vocabulary (null when the spelling corrector does not use it). */
interface Built {
  index: Bm25Index;
  vocab: SurfaceVocabulary | null;
}
