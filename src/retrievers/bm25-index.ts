/**
 * An in-memory BM25 inverted index (Lucene's formula, as in Anserini/Pyserini) over integer keys.
 *
 * Postings are typed arrays in key order. Search is term-at-a-time, rarest (highest-weighted) term first; once the
 * k-th best score so far beats what the remaining frequent terms could still add, those terms only update the
 * documents already seen, found by binary search (MaxScore-style pruning), instead of scanning their postings.
 */

export interface Bm25Params {
  k1: number;
  b: number;
}

export interface Bm25Hit {
  key: number;
  score: number;
}

interface Postings {
  ords: Int32Array;
  tfs: Uint16Array;
  size: number;
  /** Live documents holding the term (postings of removed documents stay until compaction). */
  df: number;
}

export class Bm25Index {
  private readonly postings = new Map<string, Postings>();
  private keys = new Int32Array(1024);
  private lengths = new Uint32Array(1024);
  private alive = new Uint8Array(1024);
  private readonly ordOf = new Map<number, number>();
  private nextOrd = 0;
  private live = 0;
  private totalLength = 0;
  private dead = 0;
  private acc = new Float64Array(1024);

  constructor(private readonly params: Bm25Params) {}

  get size(): number {
    return this.live;
  }

  get vocabularySize(): number {
    return this.postings.size;
  }

  /** Document frequency of an (analysed) term among live documents. */
  docFreq(term: string): number {
    return this.postings.get(term)?.df ?? 0;
  }

  /** Adds a new key; to replace one, remove it first with the terms it was added with. */
  add(key: number, terms: readonly string[]): void {
    if (this.ordOf.has(key)) throw new Error(`key ${key} is already indexed: remove it first`);
    const ord = this.nextOrd++;
    this.ensureCapacity(ord + 1);
    this.keys[ord] = key;
    this.lengths[ord] = terms.length;
    this.alive[ord] = 1;
    this.ordOf.set(key, ord);
    this.live++;
    this.totalLength += terms.length;
    const tf = new Map<string, number>();
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [term, count] of tf) {
      let p = this.postings.get(term);
      if (!p) {
        p = { ords: new Int32Array(4), tfs: new Uint16Array(4), size: 0, df: 0 };
        this.postings.set(term, p);
      }
      if (p.size === p.ords.length) {
        p.ords = grow(p.ords, p.size * 2);
        p.tfs = grow(p.tfs, p.size * 2);
      }
      p.ords[p.size] = ord;
      p.tfs[p.size] = Math.min(count, 65535);
      p.size++;
      p.df++;
    }
  }

  /** Removes a document; `terms` are the ones it was added with (to keep document frequencies exact). */
  remove(key: number, terms: readonly string[]): void {
    const ord = this.ordOf.get(key);
    if (ord === undefined) return;
    this.ordOf.delete(key);
    this.alive[ord] = 0;
    this.live--;
    this.totalLength -= this.lengths[ord] ?? 0;
    for (const term of new Set(terms)) {
      const p = this.postings.get(term);
      if (p) p.df--;
    }
    this.dead++;
    if (this.dead > 1024 && this.dead > this.live / 4) this.compact();
  }

  clear(): void {
    this.postings.clear();
    this.ordOf.clear();
    this.nextOrd = 0;
    this.live = 0;
    this.totalLength = 0;
    this.dead = 0;
  }

  /**
   * Top-k keys for a bag of query terms (repeats weigh more). `allow`, when given, restricts the keys.
   * `maxTerms` keeps only the highest-weighted terms of a long query.
   */
  search(terms: readonly string[], k: number, options: { maxTerms?: number; allow?: Set<number> } = {}): Bm25Hit[] {
    if (this.live === 0 || k <= 0) return [];
    const { k1, b } = this.params;
    const avgdl = this.totalLength / this.live || 1;
    const qtf = new Map<string, number>();
    for (const t of terms) qtf.set(t, (qtf.get(t) ?? 0) + 1);

    const plan: Array<{ p: Postings; weight: number; bound: number }> = [];
    for (const [term, count] of qtf) {
      const p = this.postings.get(term);
      if (!p || p.df <= 0) continue;
      const idf = Math.log(1 + (this.live - p.df + 0.5) / (p.df + 0.5));
      plan.push({ p, weight: idf * count, bound: idf * count * (k1 + 1) });
    }
    plan.sort((x, y) => y.bound - x.bound);
    if (options.maxTerms !== undefined && plan.length > options.maxTerms) plan.length = options.maxTerms;
    if (plan.length === 0) return [];

    // What the terms from i on could still add to any one document.
    const rest = new Float64Array(plan.length + 1);
    for (let i = plan.length - 1; i >= 0; i--) rest[i] = (rest[i + 1] ?? 0) + (plan[i]?.bound ?? 0);

    const acc = this.acc;
    const touched: number[] = [];
    const allow = options.allow;
    let pruned = false;
    for (let i = 0; i < plan.length; i++) {
      const { p, weight } = plan[i] as { p: Postings; weight: number };
      if (!pruned && touched.length >= k && p.size > touched.length * 4) {
        pruned = kthLargest(acc, touched, k) > (rest[i] ?? 0);
      }
      if (pruned) {
        // Only documents already seen can still make the top k: look each up instead of scanning the postings.
        for (const ord of touched) {
          const j = lowerBound(p.ords, p.size, ord);
          if (j < p.size && p.ords[j] === ord) acc[ord] = (acc[ord] ?? 0) + weight * this.tfPart(p.tfs[j] ?? 0, ord, k1, b, avgdl);
        }
        continue;
      }
      const { ords, tfs, size } = p;
      for (let j = 0; j < size; j++) {
        const ord = ords[j] as number;
        if (this.alive[ord] === 0) continue;
        if (allow && !allow.has(this.keys[ord] as number)) continue;
        const prev = acc[ord] as number;
        if (prev === 0) touched.push(ord);
        acc[ord] = prev + weight * this.tfPart(tfs[j] as number, ord, k1, b, avgdl);
      }
    }

    const hits = topK(acc, touched, k).map((ord) => ({ key: this.keys[ord] as number, score: acc[ord] as number }));
    for (const ord of touched) acc[ord] = 0;
    return hits;
  }

  private tfPart(tf: number, ord: number, k1: number, b: number, avgdl: number): number {
    const norm = k1 * (1 - b + (b * (this.lengths[ord] ?? 0)) / avgdl);
    return (tf * (k1 + 1)) / (tf + norm);
  }

  private ensureCapacity(n: number): void {
    if (n <= this.keys.length) return;
    const size = Math.max(n, this.keys.length * 2);
    this.keys = grow(this.keys, size);
    this.lengths = grow(this.lengths, size);
    this.alive = grow(this.alive, size);
    this.acc = grow(this.acc, size);
  }

  /** Drops postings of removed documents once they are a quarter of the index. */
  private compact(): void {
    for (const [term, p] of this.postings) {
      let w = 0;
      for (let r = 0; r < p.size; r++) {
        const ord = p.ords[r] as number;
        if (this.alive[ord] === 1) {
          p.ords[w] = ord;
          p.tfs[w] = p.tfs[r] as number;
          w++;
        }
      }
      p.size = w;
      if (w === 0) this.postings.delete(term);
    }
    this.dead = 0;
  }
}

type Typed = Int32Array | Uint16Array | Uint32Array | Uint8Array | Float64Array;

function grow<T extends Typed>(arr: T, size: number): T {
  const next = new (arr.constructor as new (n: number) => T)(Math.max(size, 4));
  next.set(arr);
  return next;
}

function lowerBound(arr: Int32Array, size: number, value: number): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function kthLargest(acc: Float64Array, ords: number[], k: number): number {
  return acc[topK(acc, ords, k)[k - 1] ?? -1] ?? 0;
}

/** The k best ordinals by score (ties by insertion order), with a bounded min-heap. */
function topK(acc: Float64Array, ords: number[], k: number): number[] {
  const heap: number[] = [];
  const less = (a: number, b: number): boolean => (acc[a] as number) < (acc[b] as number) || ((acc[a] as number) === (acc[b] as number) && a > b);
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l] as number, heap[m] as number)) m = l;
      if (r < heap.length && less(heap[r] as number, heap[m] as number)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m] as number, heap[i] as number];
      i = m;
    }
  };
  for (const ord of ords) {
    if (heap.length < k) {
      heap.push(ord);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!less(heap[i] as number, heap[parent] as number)) break;
        [heap[i], heap[parent]] = [heap[parent] as number, heap[i] as number];
        i = parent;
      }
    } else if (less(heap[0] as number, ord)) {
      heap[0] = ord;
      down(0);
    }
  }
  return heap.sort((a, b) => (less(a, b) ? 1 : less(b, a) ? -1 : 0));
}
