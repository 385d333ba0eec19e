import { readFileSync } from 'node:fs';
import wordListPath from 'word-list';

/**
 * English words, with their inflections (274k, from the `word-list` package, built from SCOWL): what tells a real
 * word the index happens not to hold ("basketball" over a corpus without it) from a typo. Held as one sorted string
 * and its word offsets (about 4 MB, against some 23 MB as a Set), read on first use.
 */
export class EnglishWords {
  private static loaded: EnglishWords | undefined;
  private readonly text: string;
  private readonly starts: Uint32Array;

  private constructor(words: string[]) {
    words.sort();
    this.text = words.join('\n');
    this.starts = new Uint32Array(words.length + 1);
    let at = 0;
    words.forEach((w, i) => {
      this.starts[i] = at;
      at += w.length + 1;
    });
    this.starts[words.length] = at;
  }

  /** The list, read once per process. */
  static shared(): EnglishWords {
    EnglishWords.loaded ??= new EnglishWords(
      readFileSync(wordListPath, 'utf8')
        .split('\n')
        .map((w) => w.trim())
        .filter((w) => w.length > 0),
    );
    return EnglishWords.loaded;
  }

  get size(): number {
    return this.starts.length - 1;
  }

  /** Whether a lower-case word is an English word (binary search over the sorted words). */
  has(word: string): boolean {
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const w = this.text.slice(this.starts[mid], (this.starts[mid + 1] as number) - 1);
      if (w === word) return true;
      if (w < word) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}
