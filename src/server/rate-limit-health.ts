import type { FastifyBaseLogger } from 'fastify';

/** A Redis outage under load must not flood the log: one warning per this many milliseconds at most. */
const WARN_EVERY_MS = 10_000;

/**
 * Whether the rate limits are counting. When Redis refuses a counter (down, out of memory, a replica that is read
 * only), the request goes through uncounted, by design; this records that it happened, for /metrics
 * (`rag_rate_limit_errors_total`), the log and /readyz, which would otherwise not know the limits are off.
 */
export class RateLimitHealth {
  /** Counts that failed, letting their request through, since the start. */
  errors = 0;
  /** Why the last count failed, while counting fails; null once a count succeeds again. */
  failing: string | null = null;
  private lastWarning = 0;

  constructor(private readonly log: FastifyBaseLogger) {}

  failed(err: unknown): void {
    this.errors++;
    this.failing = err instanceof Error ? err.message : String(err);
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.log.warn({ err: this.failing, rateLimitErrors: this.errors }, 'redis refused a rate-limit counter; requests go through uncounted');
  }

  succeeded(): void {
    if (this.failing === null) return;
    this.failing = null;
    // The next outage is news: its first failure is logged at once, however soon it comes.
    this.lastWarning = 0;
    this.log.info({ rateLimitErrors: this.errors }, 'rate limits are counted in redis again');
  }
}
