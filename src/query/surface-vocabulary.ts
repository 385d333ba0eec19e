import { isStopWord, stem } from '../core/analyzer.js';
import { boundedEditDistance } from './edit-distance.js';
import { SymmetricDeleteIndex } from './symmetric-delete-index.js';

/** A vocabulary word near a query word. */
export interface NearWord {
  word: string;
  /** Chunks that hold the word. */
  df: number;
  /** Optimal string alignment distance to the query word. */
  distance: number;
}

/** Words spelling correction may propose: Latin letters only, at least three of them. */
const CORRECTABLE = /^\p{Script=Latin}{3,}$/u;

/**
 * The index's own surface vocabulary: every normalised word (lower case, diacritics folded, unstemmed) with the
 * number of chunks that hold it, and the set of stems those words give (the BM25 index's terms). The BM25 index
 * only has Porter stems, which cannot be spelled against; this keeps the words as written, maintained on every
 * ingest and delete alongside the postings. A symmetric-delete index over it, built on first use, finds the words
 * within a few edits of a misspelling.
 */
export class SurfaceVocabulary {
  private readonly ids = new Map<string, number>();
  private readonly words: string[] = [];
  private df = new Int32Array(1024);
  /** Live surface words per stem: a stem is an index term while this is above 0. */
  private readonly stems = new Map<string, number>();
  private deletes: SymmetricDeleteIndex | null = null;
  private indexed = new Uint8Array(1024);
  private chunks = 0;

  /** `maxDistance` bounds the edit distance lookups can ask for (the delete index is built for it). */
  constructor(readonly maxDistance = 2) {}

  /** Chunks counted. */
  get size(): number {
    return this.chunks;
  }

  /** Distinct live words. */
  get wordCount(): number {
    let n = 0;
    for (let i = 0; i < this.words.length; i++) if ((this.df[i] as number) > 0) n++;
    return n;
  }

  /** Counts one chunk's words (each distinct word once). */
  addChunk(words: Iterable<string>): void {
    this.chunks++;
    for (const w of new Set(words)) {
      let id = this.ids.get(w);
      if (id === undefined) {
        id = this.words.length;
        this.ids.set(w, id);
        this.words.push(w);
        this.ensureCapacity(id + 1);
      }
      const before = this.df[id] as number;
      this.df[id] = before + 1;
      if (before === 0) this.wordAppeared(id, w);
    }
  }

  /** Uncounts a removed chunk; `words` are the ones it was added with. */
  removeChunk(words: Iterable<string>): void {
    this.chunks = Math.max(0, this.chunks - 1);
    for (const w of new Set(words)) {
      const id = this.ids.get(w);
      if (id === undefined || (this.df[id] as number) <= 0) continue;
      const after = (this.df[id] as number) - 1;
      this.df[id] = after;
      if (after === 0 && !isStopWord(w)) {
        const s = stem(w);
        const left = (this.stems.get(s) ?? 1) - 1;
        if (left > 0) this.stems.set(s, left);
        else this.stems.delete(s);
      }
    }
  }

  /** Chunks holding the (normalised) word; 0 when the index does not have it. */
  docFreq(word: string): number {
    const id = this.ids.get(word);
    return id === undefined ? 0 : (this.df[id] as number);
  }

  /** True when BM25 can match the word: it is in the index as written, or its stem is an index term. */
  knows(word: string): boolean {
    return this.docFreq(word) > 0 || (!isStopWord(word) && this.stems.has(stem(word)));
  }

  /** Live correctable words within `maxDistance` edits of `word` (not `word` itself), unordered. */
  near(word: string, maxDistance: number): NearWord[] {
    const limit = Math.min(maxDistance, this.maxDistance);
    if (limit <= 0) return [];
    const out: NearWord[] = [];
    for (const id of this.deleteIndex().candidates(word, limit)) {
      const df = this.df[id] as number;
      const candidate = this.words[id] as string;
      if (df <= 0 || candidate === word) continue;
      const distance = boundedEditDistance(word, candidate, limit);
      if (distance <= limit) out.push({ word: candidate, df, distance });
    }
    return out;
  }

  /** Builds the delete index now (it is otherwise built by the first lookup). */
  prepare(): void {
    this.deleteIndex();
  }

  private deleteIndex(): SymmetricDeleteIndex {
    if (this.deletes) return this.deletes;
    const index = new SymmetricDeleteIndex(this.maxDistance);
    const entries: Array<[number, string]> = [];
    this.words.forEach((w, id) => {
      if ((this.df[id] as number) > 0 && CORRECTABLE.test(w)) {
        entries.push([id, w]);
        this.indexed[id] = 1;
      }
    });
    index.addAll(entries);
    this.deletes = index;
    return index;
  }

  private wordAppeared(id: number, word: string): void {
    if (!isStopWord(word)) {
      const s = stem(word);
      this.stems.set(s, (this.stems.get(s) ?? 0) + 1);
    }
    // Once built, the delete index follows new words; a word that comes back after a delete is still in it.
    if (this.deletes && this.indexed[id] === 0 && CORRECTABLE.test(word)) {
      this.deletes.add(id, word);
      this.indexed[id] = 1;
    }
  }

  private ensureCapacity(n: number): void {
    if (n <= this.df.length) return;
    const size = Math.max(n, this.df.length * 2);
    const df = new Int32Array(size);
    df.set(this.df);
    this.df = df;
    const indexed = new Uint8Array(size);
    indexed.set(this.indexed);
    this.indexed = indexed;
  }
}
