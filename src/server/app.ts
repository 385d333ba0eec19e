import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify';
import { pino, type DestinationStream } from 'pino';
import type { Rag } from '../rag.js';
import type { RunContext } from '../core/run-context.js';
import { auth } from './plugins/auth.js';
import { MAX_PARAM_LENGTH, errorHandler, frameworkError } from './plugins/error-handler.js';
import { metrics, metricsRoute } from './plugins/metrics.js';
import { rateLimits } from './plugins/rate-limits.js';
import { RateLimitHealth } from './rate-limit-health.js';
import { refuseUndecodableQuery } from './query-string.js';
import { openapi } from './plugins/openapi.js';
import { strictJson } from './plugins/strict-json.js';
import { batchRoutes } from './routes/batch.js';
import { chatRoutes } from './routes/chat-completions.js';
import { documentRoutes } from './routes/documents.js';
import { healthRoutes } from './routes/health.js';
import { playgroundRoutes } from './routes/playground.js';
import { queryRoutes } from './routes/query.js';
import { retrieveRoutes } from './routes/retrieve.js';

declare module 'fastify' {
  interface FastifyInstance {
    rag: Rag;
    /** Whether the rate limits are counting (Redis may refuse their counters), for /metrics and /readyz. */
    rateLimitHealth: RateLimitHealth;
  }
  interface FastifyRequest {
    /** The run context of a request that ran the pipeline, for metrics. */
    runContext: RunContext | null;
    /** The name (never the secret) of the API key that authenticated the request. */
    apiKeyName: string | null;
  }
}

export interface BuildAppOptions {
  /** Fastify's logger setting (e.g. false in tests); otherwise `loggerInstance` or createLogger's. */
  logger?: FastifyServerOptions['logger'];
  /** A logger shared with the Rag (see createLogger). */
  loggerInstance?: FastifyBaseLogger;
  /** Hears of every route as it is added, plugins' included (the fuzz test walks them all). */
  onRoute?: (route: RouteOptions) => void;
}

/** What a client's x-request-id may be for the server to keep it. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Where a secret could sit in a logged object: request headers (Fastify's own request lines leave them out;
 * this covers code that logs them), and the `apiKey` and `password` of a logged settings section. Top-level
 * `apiKey` stays: on request lines it is the key's name, never the key.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  '*.apiKey',
  '*.*.apiKey',
  'password',
  '*.password',
  '*.*.password',
];

/** The server's pino logger: JSON lines at the configured level (to stdout, or `destination`), secrets redacted. */
export function createLogger(level: string, destination?: DestinationStream): FastifyBaseLogger {
  const options = { level, redact: REDACTED_PATHS };
  return destination ? pino(options, destination) : pino(options);
}

/** The HTTP server over a Rag instance: one plugin per concern, the Rag decorated on the instance. */
export async function buildApp(rag: Rag, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { server } = rag.config;
  const app = Fastify({
    ...(options.logger !== undefined
      ? { logger: options.logger }
      : { loggerInstance: options.loggerInstance ?? createLogger(server.logLevel) }),
    bodyLimit: server.bodyLimitBytes,
    // The request's deadline starts once its body is in: a client sending a body a byte at a time would hold its
    // connection for ever (Fastify's default is no limit). Twice the deadline, then Node answers 408 and closes.
    // Node ignores a request timeout below its headers timeout, and checks only every 30 s by default: both are
    // set with it, so the bound holds for short deadlines too.
    serverFactory: (handler) => {
      const requestTimeout = 2 * server.requestTimeoutMs;
      return createServer(
        { requestTimeout, headersTimeout: Math.min(60_000, requestTimeout), connectionsCheckingInterval: Math.min(30_000, Math.max(250, requestTimeout / 4)) },
        handler,
      );
    },
    // A client's own x-request-id is kept when it looks like an id; anything else (10 kB, markup, paths) would be
    // echoed into every log line and response, so it gets a fresh one instead.
    requestIdHeader: false,
    genReqId: (req) => {
      const asked = req.headers['x-request-id'];
      return typeof asked === 'string' && CLIENT_REQUEST_ID.test(asked) ? asked : randomUUID();
    },
    frameworkErrors: frameworkError,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Bad input must be rejected, not repaired: no silent coercion, no silent dropping of unknown fields.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  app.decorate('rag', rag);
  const rateLimitHealth = new RateLimitHealth(app.log);
  app.decorate('rateLimitHealth', rateLimitHealth);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.decorateRequest('runContext', null);
  await app.register(errorHandler);
  await app.register(metrics, { rag, rateLimits: rateLimitHealth });
  // Before the API keys, as a path that cannot be decoded is answered before them (frameworkError).
  app.addHook('onRequest', refuseUndecodableQuery);
  await app.register(auth, rag.config.auth);
  await app.register(rateLimits, {
    max: rag.config.auth.rateLimit.max,
    windowMs: rag.config.auth.rateLimit.windowMs,
    perKey: new Map(rag.config.auth.apiKeys.flatMap((k) => (k.rateLimit !== undefined ? [[k.name, k.rateLimit] as const] : []))),
    redis: rag.redis,
    health: rateLimitHealth,
  });
  await app.register(strictJson);
  const { apiKeys, protectMetrics } = rag.config.auth;
  await app.register(openapi, {
    ui: server.docs,
    // As the auth plugin guards them.
    guarded: (url) => apiKeys.length > 0 && (url.startsWith('/v1/') || (protectMetrics && url === '/metrics')),
  });
  await app.register(healthRoutes);
  await app.register(metricsRoute);
  await app.register(queryRoutes);
  await app.register(retrieveRoutes);
  await app.register(documentRoutes);
  await app.register(batchRoutes);
  await app.register(chatRoutes);
  await app.register(playgroundRoutes);
  return app;
}
