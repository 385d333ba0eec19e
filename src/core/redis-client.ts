import { Redis } from 'ioredis';
import { redactUrl } from './redact-url.js';

// Where the readiness route and older imports look for it.
export { redactUrl };
import type { StageLogger } from './run-context.js';

export interface RedisOptions {
  url: string;
  keyPrefix: string;
  commandTimeoutMs: number;
}

/**
 * A Redis connection that fails fast instead of queueing while the server is away (so a request never waits on
 * a dead cache), and keeps reconnecting in the background so the service recovers by itself.
 */
export function createRedis(options: RedisOptions, log: StageLogger): Redis {
  const redis = new Redis(options.url, {
    keyPrefix: options.keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 2000,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5000),
  });
  // Connection errors arrive as events; without a listener Node treats them as fatal. One line per 10 s at most,
  // so an outage under load does not flood the log.
  let last = 0;
  redis.on('error', (err: Error) => {
    if (Date.now() - last < 10_000) return;
    last = Date.now();
    log.warn({ err: err.message, url: redactUrl(options.url) }, 'redis unavailable; cache and rate limits degrade');
  });
  return redis;
}
