import { identifierTerms, isStopWord, stem, words } from '../core/analyzer.js';
import type { RunContext } from '../core/run-context.js';
import type { RetrieveOptions, ScoredChunk } from '../core/types.js';
import { withoutQuestionFrame } from '../query/question-frame.js';
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
}

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

  close(): void {
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
    // A how-to frame ("how do I") is not searched for: its words match passages that quote questions, not answers.
    const text = withoutQuestionFrame(query);
    const hits = this.options.engine === 'memory' ? this.searchMemory(text, options.k, allow) : this.searchFts(text, options.k, allow);
    const chunks = this.store.chunksByRowid(hits.map((h) => h.key));
    const scoreOf = new Map(hits.map((h) => [h.key, h.score]));
    return chunks.map(({ rowid, ...chunk }) => ({ ...chunk, score: scoreOf.get(rowid) ?? 0, source: this.name }));
  }

  private searchMemory(query: string, k: number, allow: Set<number> | undefined): Bm25Hit[] {
    const options: { maxTerms: number; allow?: Set<number> } = { maxTerms: this.options.maxQueryTerms };
    if (allow) options.allow = allow;
    return this.memoryIndex().search(termsOf(words(query), query), k, options);
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
    const index = new Bm25Index({ k1: this.options.k1, b: this.options.b });
    const vocab = this.options.vocabulary ? new SurfaceVocabulary() : null;
    let done = 0;
    for (const chunk of this.store.allChunks()) {
      const text = indexedText(chunk);
      const ws = words(text);
      index.add(chunk.rowid, termsOf(ws, text));
      vocab?.addChunk(ws);
      if (++done % 5000 === 0) onProgress?.(done);
    }
    this.index = index;
    this.seenDataVersion = dataVersion;
    if (vocab) {
      this.vocab = vocab;
      this.vocabDataVersion = dataVersion;
    }
    return index;
  }

  private apply(change: StoreChange): void {
    if (!this.index && !this.vocab) return;
    for (const chunk of change.removed) {
      const text = indexedText(chunk);
      const ws = words(text);
      this.index?.remove(chunk.rowid, termsOf(ws, text));
      this.vocab?.removeChunk(ws);
    }
    for (const chunk of change.added) {
      const text = indexedText(chunk);
      const ws = words(text);
      this.index?.add(chunk.rowid, termsOf(ws, text));
      this.vocab?.addChunk(ws);
    }
  }
}
