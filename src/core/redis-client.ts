import { Redis } from 'ioredis';
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

/**
 * The URL without its password, for logs and /readyz: the userinfo password (parsed as the client parses it, so a
 * password holding an unencoded "@" is hidden whole) and a `password` query parameter, which ioredis also accepts.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL the client could use either: hide everything before the last "@".
    return url.replace(/\/\/.*@/, '//***@');
  }
  if (parsed.password) parsed.password = '***';
  for (const key of [...parsed.searchParams.keys()]) if (/pass|secret|token/i.test(key)) parsed.searchParams.set(key, '***');
  return parsed.toString();
}
