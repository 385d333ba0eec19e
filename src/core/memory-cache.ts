import { LRUCache } from 'lru-cache';
import type { CacheStats, ResponseCache } from './response-cache.js';

/** The in-process cache: an LRU bounded by entries, with per-entry time to live. */
export class MemoryCache implements ResponseCache {
  readonly kind = 'memory';
  readonly stats: CacheStats = { hits: 0, misses: 0, errors: 0 };
  private readonly lru: LRUCache<string, string>;

  constructor(maxEntries: number) {
    this.lru = new LRUCache({ max: maxEntries, ttlAutopurge: false });
  }

  async get(key: string): Promise<string | undefined> {
    const value = this.lru.get(key);
    if (value === undefined) this.stats.misses++;
    else this.stats.hits++;
    return value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.lru.set(key, value, { ttl: ttlSeconds * 1000 });
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}
