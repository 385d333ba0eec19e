import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Rag } from '../../rag.js';
import type { RateLimitHealth } from '../rate-limit-health.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Counts a stream that ended with an error event (see `streamFailure`): its status line already said 200, so
     * rag_http_requests_total cannot count it as failed.
     */
    countStreamError(route: string, code: string): void;
    /** The registry GET /metrics reads (see `metricsRoute`). */
    metricsRegistry: Registry;
  }
}

/**
 * Prometheus metrics at GET /metrics: HTTP requests and their latency by route, streams that failed after they
 * opened, every pipeline stage's latency (from the request's trace), cache hits/misses/errors, rate-limit counts Redis refused, and the index size. One
 * registry per app, so several apps in one process (tests) do not share counters.
 */
export const metrics = fp(async (app: FastifyInstance, options: { rag: Rag; rateLimits: RateLimitHealth }) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rag_' });
  const requests = new Counter({
    name: 'rag_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'rag_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const streamErrors = new Counter({
    name: 'rag_stream_errors_total',
    help: 'Streamed answers that ended with an error event after they opened (counted with status 200 in rag_http_requests_total), by route and error code',
    labelNames: ['route', 'code'] as const,
    registers: [registry],
  });
  app.decorate('countStreamError', (route: string, code: string): void => {
    streamErrors.inc({ route, code });
  });
  const stages = new Histogram({
    name: 'rag_stage_duration_seconds',
    help: 'Latency of each pipeline stage (trace span)',
    labelNames: ['stage'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  const { rag } = options;
  const cacheCounter = (name: string, help: string, read: () => number): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  };
  cacheCounter('rag_cache_hits_total', 'Response cache hits', () => rag.cache?.stats.hits ?? 0);
  cacheCounter('rag_cache_misses_total', 'Response cache misses', () => rag.cache?.stats.misses ?? 0);
  cacheCounter('rag_cache_errors_total', 'Response cache backend failures (answered uncached)', () => rag.cache?.stats.errors ?? 0);
  cacheCounter('rag_rate_limit_errors_total', 'Rate-limit counts Redis refused (the request went through uncounted)', () => options.rateLimits.errors);
  new Gauge({
    name: 'rag_index_chunks',
    help: 'Chunks in the index',
    registers: [registry],
    collect() {
      this.set(rag.store.counts().chunks);
    },
  });
  new Gauge({
    name: 'rag_index_documents',
    help: 'Documents in the index',
    registers: [registry],
    collect() {
      this.set(rag.store.counts().documents);
    },
  });

  // A request is counted once: when its response is finished, or when its client left before that.
  const counted = new WeakSet<object>();
  const count = (request: FastifyRequest, status: string, seconds: number): void => {
    if (counted.has(request)) return;
    counted.add(request);
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status });
    latency.observe({ method: request.method, route }, seconds);
    for (const span of request.runContext?.trace.spans ?? []) stages.observe({ stage: span.name }, span.ms / 1000);
  };
  app.addHook('onResponse', async (request, reply) => count(request, String(reply.statusCode), reply.elapsedTime / 1000));
  // A client that leaves mid-answer (a closed tab, a cancelled stream) finishes no response, so onResponse never
  // runs (and Fastify's onRequestAbort only covers a request body cut short): it is counted as 499, nginx's
  // "client closed request", and logged, or it would vanish from both.
  app.addHook('onRequest', async (request, reply) => {
    const start = performance.now();
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished) return;
      const ms = performance.now() - start;
      request.log.info({ route: request.routeOptions.url, responseTime: Math.round(ms) }, 'request aborted by the client');
      count(request, '499', ms / 1000);
    });
  });

  app.decorate('metricsRegistry', registry);
});

/**
 * GET /metrics, apart from the hooks above: those must come before every other plugin so that each request is
 * counted, while the OpenAPI document lists only the routes added after it (it hears of them as they are added).
 */
export const metricsRoute = fp(async (app: FastifyInstance) => {
  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics, in the text format' } }, async (_request, reply) => {
    reply.header('content-type', app.metricsRegistry.contentType);
    return app.metricsRegistry.metrics();
  });
});
