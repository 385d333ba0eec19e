import type { Redis } from 'ioredis';
import type { CacheStats, ResponseCache } from './response-cache.js';
import type { StageLogger } from './run-context.js';

/** The shared cache for several server processes. Every Redis failure is a counted miss, never an error. */
export class RedisCache implements ResponseCache {
  readonly kind = 'redis';
  readonly stats: CacheStats = { hits: 0, misses: 0, errors: 0 };
  private lastWarning = 0;

  constructor(
    private readonly redis: Redis,
    private readonly log: StageLogger,
  ) {}

  async get(key: string): Promise<string | undefined> {
    try {
      const value = await this.redis.get(`cache:${key}`);
      if (value === null) {
        this.stats.misses++;
        return undefined;
      }
      this.stats.hits++;
      return value;
    } catch (err) {
      this.fail(err);
      this.stats.misses++;
      return undefined;
    }
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    try {
      await this.redis.set(`cache:${key}`, value, 'EX', ttlSeconds);
    } catch (err) {
      this.fail(err);
    }
  }

  async close(): Promise<void> {
    // The connection belongs to whoever created it (it may serve the rate limits too).
  }

  private fail(err: unknown): void {
    this.stats.errors++;
    this.warn(err);
  }

  /** At most one warning every 10 s: a Redis outage under load must not flood the log. */
  private warn(err: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < 10_000) return;
    this.lastWarning = now;
    this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'redis cache unavailable; answering uncached');
  }
}
