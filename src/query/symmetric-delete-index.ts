/**
 * Candidate generation for spelling correction (SymSpell's symmetric delete): a word and a misspelling of it
 * within d edits share a string obtained by deleting at most d letters from each. Each vocabulary word is
 * indexed under its deletes; a query word looks up its own. Only the first `PREFIX` letters take part (as
 * SymSpell's prefix length), which bounds the deletes per word while still finding candidates that differ early
 * or late; every candidate is then checked with the real edit distance.
 *
 * Deletes are kept as 32-bit hashes, never as strings: pairs (hash, word id) in typed arrays sorted by hash,
 * searched by binary search (about 8 bytes a pair; SciFact's 29k words give ~0.6M pairs). Words added later go to
 * a small map, merged into the arrays once it grows. Hash collisions only add candidates that the check drops.
 */

const PREFIX = 7;

export class SymmetricDeleteIndex {
  private hashes = new Uint32Array(0);
  private ids = new Int32Array(0);
  private pending = new Map<number, number[]>();
  private pendingPairs = 0;

  /** `maxDistance` is the most deletes indexed per word, so the largest distance lookups can ask for. */
  constructor(readonly maxDistance: number) {}

  get pairs(): number {
    return this.hashes.length + this.pendingPairs;
  }

  /** Indexes many words at once, straight into the sorted arrays (a build, rather than one word at a time). */
  addAll(entries: Iterable<readonly [number, string]>): void {
    let hashes = new Uint32Array(1 << 16);
    let ids = new Int32Array(1 << 16);
    let n = 0;
    for (const [id, word] of entries) {
      forEachDeleteHash(word, this.maxDistance, (h) => {
        if (n === hashes.length) {
          const h2 = new Uint32Array(n * 2);
          h2.set(hashes);
          hashes = h2;
          const i2 = new Int32Array(n * 2);
          i2.set(ids);
          ids = i2;
        }
        hashes[n] = h;
        ids[n] = id;
        n++;
      });
    }
    const allH = new Uint32Array(this.hashes.length + n);
    const allI = new Int32Array(this.hashes.length + n);
    allH.set(this.hashes);
    allI.set(this.ids);
    allH.set(hashes.subarray(0, n), this.hashes.length);
    allI.set(ids.subarray(0, n), this.hashes.length);
    radixSortPairs(allH, allI);
    this.hashes = allH;
    this.ids = allI;
  }

  add(id: number, word: string): void {
    forEachDeleteHash(word, this.maxDistance, (h) => {
      const list = this.pending.get(h);
      if (list) {
        if (list[list.length - 1] !== id) list.push(id);
      } else this.pending.set(h, [id]);
      this.pendingPairs++;
    });
    if (this.pendingPairs > Math.max(20_000, this.hashes.length / 8)) this.merge();
  }

  /** Ids of words that may be within `maxDistance` edits of `word` (a superset: check each). */
  candidates(word: string, maxDistance: number): Set<number> {
    const out = new Set<number>();
    forEachDeleteHash(word, Math.min(maxDistance, this.maxDistance), (h) => {
      for (let i = lowerBound(this.hashes, h); i < this.hashes.length && this.hashes[i] === h; i++) out.add(this.ids[i] as number);
      const list = this.pending.get(h);
      if (list) for (const id of list) out.add(id);
    });
    return out;
  }

  /** Moves the pending pairs into the sorted arrays. */
  merge(): void {
    if (this.pendingPairs === 0) return;
    const n = this.hashes.length;
    let total = n;
    for (const list of this.pending.values()) total += list.length;
    const hashes = new Uint32Array(total);
    const ids = new Int32Array(total);
    hashes.set(this.hashes);
    ids.set(this.ids);
    let k = n;
    for (const [h, list] of this.pending) {
      for (const id of list) {
        hashes[k] = h;
        ids[k] = id;
        k++;
      }
    }
    radixSortPairs(hashes, ids);
    this.hashes = hashes;
    this.ids = ids;
    this.pending = new Map();
    this.pendingPairs = 0;
  }
}

/** FNV-1a hash of every string made by deleting up to `maxDeletes` letters of the word's prefix. */
export function forEachDeleteHash(word: string, maxDeletes: number, visit: (hash: number) => void): void {
  const s = word.length > PREFIX ? word.slice(0, PREFIX) : word;
  const n = s.length;
  const hashSkipping = (i: number, j: number): number => {
    let h = 0x811c9dc5;
    for (let p = 0; p < n; p++) {
      if (p === i || p === j) continue;
      h ^= s.charCodeAt(p);
      h = Math.imul(h, 0x01000193);
    }
    // Mix in the length so that deletes of different lengths rarely collide.
    h ^= n - (i >= 0 ? 1 : 0) - (j >= 0 ? 1 : 0);
    return Math.imul(h, 0x01000193) >>> 0;
  };
  visit(hashSkipping(-1, -1));
  if (maxDeletes >= 1 && n > 1) {
    for (let i = 0; i < n; i++) if (i === 0 || s[i] !== s[i - 1]) visit(hashSkipping(i, -1));
  }
  if (maxDeletes >= 2 && n > 2) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) visit(hashSkipping(i, j));
  }
}

function lowerBound(arr: Uint32Array, value: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sorts pairs by hash with two 16-bit LSD radix passes: linear time, no comparator calls. */
function radixSortPairs(hashes: Uint32Array, ids: Int32Array): void {
  const n = hashes.length;
  let srcH: Uint32Array = hashes;
  let srcI: Int32Array = ids;
  let dstH: Uint32Array = new Uint32Array(n);
  let dstI: Int32Array = new Int32Array(n);
  for (const shift of [0, 16]) {
    const counts = new Uint32Array(65537);
    for (let i = 0; i < n; i++) counts[(((srcH[i] as number) >>> shift) & 0xffff) + 1]!++;
    for (let b = 0; b < 65536; b++) counts[b + 1]! += counts[b] as number;
    for (let i = 0; i < n; i++) {
      const b = ((srcH[i] as number) >>> shift) & 0xffff;
      const at = counts[b]!++;
      dstH[at] = srcH[i] as number;
      dstI[at] = srcI[i] as number;
    }
    [srcH, dstH] = [dstH, srcH];
    [srcI, dstI] = [dstI, srcI];
  }
  // After two passes the sorted data is back in the original arrays.
}
