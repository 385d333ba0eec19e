import { LRUCache } from 'lru-cache';

interface Entry {
  text: string;
  value: unknown;
}

/**
 * Remembers what was computed from a chunk's text (its analysed terms, sentences, token count), so the reranker,
 * the reader and the budget do not redo it for every query that retrieves the same chunk. An entry is keyed by
 * kind and chunk id and checked against the text itself, so a chunk replaced by a new version of its document is
 * recomputed, never served stale. Bounded (LRU).
 */
export class TextMemo {
  private readonly cache: LRUCache<string, Entry>;

  constructor(maxEntries = 50_000) {
    this.cache = new LRUCache({ max: maxEntries });
  }

  get<T>(kind: string, key: string, text: string, compute: (text: string) => T): T {
    const id = `${kind}\u0000${key}`;
    const hit = this.cache.get(id);
    if (hit !== undefined && hit.text === text) return hit.value as T;
    const value = compute(text);
    this.cache.set(id, { text, value });
    return value;
  }
}
