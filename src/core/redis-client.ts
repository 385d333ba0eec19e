import { Redis } from 'ioredis';
import { redactUrl } from './redact-url.js';
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
    lastErrors.set(redis, err.message);
    if (Date.now() - last < 10_000) return;
    last = Date.now();
    log.warn({ err: err.message, url: redactUrl(options.url) }, 'redis unavailable; cache and rate limits degrade');
  });
  redis.on('ready', () => lastErrors.delete(redis));
  return redis;
}

/** The last error each client reported (a wrong password, a refused connection), for /readyz. */
const lastErrors = new WeakMap<Redis, string>();

export interface RedisReadiness {
  connected: boolean;
  status: string;
  /** Why it is not usable: the last error, or a PING that went unanswered. */
  reason?: string;
}

/**
 * Whether Redis answers now: the client's state says "ready" through a hung server (SIGSTOP), which fails every
 * command after its timeout, so a PING decides; otherwise the last error says why (WRONGPASS, ECONNREFUSED).
 */
export async function redisReadiness(redis: Redis): Promise<RedisReadiness> {
  const status = redis.status;
  if (status !== 'ready') {
    const error = lastErrors.get(redis);
    return { connected: false, status, ...(error ? { reason: error } : {}) };
  }
  try {
    await redis.ping();
    return { connected: true, status };
  } catch (err) {
    return { connected: false, status, reason: `no answer to PING (${err instanceof Error ? err.message : String(err)})` };
  }
}
