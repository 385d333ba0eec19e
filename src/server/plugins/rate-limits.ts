import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { RagError } from '../../core/errors.js';
import { requestRoute } from '../request-route.js';

export interface RateLimitsOptions {
  /** Default requests per window for each key (or client address); 0 means none. */
  max: number;
  windowMs: number;
  /** Per-key overrides by key name. */
  perKey: Map<string, number>;
  /** Shared counters across server processes; in-process counters without it. */
  redis: Redis | null;
}

/**
 * Per-key rate limits on the /v1/ routes, counted in Redis when configured. If Redis fails, requests pass
 * (skipOnError): a cache outage must not become an API outage.
 */
export const rateLimits = fp(async (app: FastifyInstance, options: RateLimitsOptions) => {
  const limited = options.max > 0 || [...options.perKey.values()].some((m) => m > 0);
  if (!limited) return;
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
    nameSpace: 'ratelimit:',
    ...(options.redis ? { redis: options.redis } : {}),
    errorResponseBuilder: (_request, context) =>
      new RagError('RATE_LIMITED', `rate limit of ${context.max} requests per ${options.windowMs / 1000} s reached; retry in ${context.after}`),
  });
});
