import { createRequire } from 'node:module';
import rateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { RagError } from '../../core/errors.js';
import type { RateLimitHealth } from '../rate-limit-health.js';
import { requestRoute } from '../request-route.js';

export interface RateLimitsOptions {
  /** Default requests per window for each key (or client address); 0 means none. */
  max: number;
  windowMs: number;
  /** Per-key overrides by key name. */
  perKey: Map<string, number>;
  /** Shared counters across server processes; in-process counters without it. */
  redis: Redis | null;
  /** Hears of every Redis count that failed (and let its request through) and of the next that worked. */
  health: RateLimitHealth;
}

/** The plugin's own Redis store (its Lua counter), as it calls it: it is not exported with types. */
interface LibraryStore {
  incr(key: string, callback: IncrCallback, timeWindow: number, max: number): void;
  child(routeOptions: unknown): LibraryStore;
}
type IncrCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;
type LibraryRedisStore = new (continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, nameSpace: string) => LibraryStore;
const LibraryRedisStore = createRequire(import.meta.url)('@fastify/rate-limit/store/RedisStore.js') as LibraryRedisStore;

/** The plugin's Redis store, telling `health` how each count went: with skipOnError, a failure is otherwise silent. */
class ReportingStore implements FastifyRateLimitStore {
  constructor(
    private readonly inner: LibraryStore,
    private readonly health: RateLimitHealth,
  ) {}

  incr(key: string, callback: IncrCallback, timeWindow = 0, max = 0): void {
    this.inner.incr(
      key,
      (error, result) => {
        if (error) this.health.failed(error);
        else this.health.succeeded();
        callback(error, result);
      },
      timeWindow,
      max,
    );
  }

  child(routeOptions: unknown): FastifyRateLimitStore {
    return new ReportingStore(this.inner.child(routeOptions), this.health);
  }
}

const NAME_SPACE = 'ratelimit:';

/** The store class the plugin instantiates: its Redis counters (neither continueExceeding nor backoff is used), reporting. */
function reportingRedisStore(redis: Redis, health: RateLimitHealth): FastifyRateLimitStoreCtor {
  return class extends ReportingStore {
    constructor() {
      super(new LibraryRedisStore(false, false, redis, NAME_SPACE), health);
    }
  };
}

/**
 * Per-key rate limits on the /v1/ routes, counted in Redis when configured. If Redis fails, requests pass
 * (skipOnError): a cache outage must not become an API outage. Each such failure is reported to `health`.
 */
export const rateLimits = fp(async (app: FastifyInstance, options: RateLimitsOptions) => {
  const limited = options.max > 0 || [...options.perKey.values()].some((m) => m > 0);
  if (!limited) return;
  const { redis, health } = options;
  const limitOf = (name: string | null): number => {
    const max = (name !== null ? options.perKey.get(name) : undefined) ?? options.max;
    return max > 0 ? max : Number.MAX_SAFE_INTEGER;
  };
  await app.register(rateLimit, {
    global: true,
    // After authentication (onRequest), so the key's name is known.
    hook: 'preHandler',
    timeWindow: options.windowMs,
    max: (request) => limitOf(request.apiKeyName),
    keyGenerator: (request) => (request.apiKeyName !== null ? `key:${request.apiKeyName}` : `ip:${request.ip}`),
    allowList: (request) => !requestRoute(request).startsWith('/v1/'),
    skipOnError: true,
    nameSpace: NAME_SPACE,
    ...(redis ? { store: reportingRedisStore(redis, health) } : {}),
    errorResponseBuilder: (_request, context) =>
      new RagError('RATE_LIMITED', `rate limit of ${context.max} requests per ${options.windowMs / 1000} s reached; retry in ${context.after}`),
  });
  // A count Redis refused counted nothing: the plugin's headers would claim the whole limit left ("remaining: max").
  // Removed right after the count, before the handler, so that a stream, which sends its headers itself, is cleared
  // too; each route's hook is added after the plugin's own.
  const uncounted = async (_request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (health.failing === null) return;
    for (const header of RATE_LIMIT_HEADERS) reply.removeHeader(header);
  };
  app.addHook('onRoute', (route) => {
    route.preHandler = [...(route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler]), uncounted];
  });
});

const RATE_LIMIT_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];
