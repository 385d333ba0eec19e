import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const Readiness = Type.Object({
  ready: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  documents: Type.Optional(Type.Integer()),
  chunks: Type.Optional(Type.Integer()),
  version: Type.Optional(Type.Integer()),
  opensearch: Type.Optional(Type.Object({ index: Type.String(), documents: Type.Integer(), chunks: Type.Integer() })),
});

/**
 * Liveness (the process answers) and readiness (the store answers and, with retrieval.backend "opensearch", the
 * cluster does and the collection exists). OpenSearch down is 503 with the reason, or, with a fallback
 * configured, ready but degraded (the reason says so). Checked on every call: it recovers with the cluster.
 */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { schema: { tags: ['ops'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get('/readyz', { schema: { tags: ['ops'], response: { 200: Readiness, 503: Readiness } } }, async (_request, reply) => {
    let counts: { documents: number; chunks: number };
    try {
      app.rag.store.ping();
      counts = app.rag.store.counts();
    } catch (err) {
      return reply.status(503).send({ ready: false, reason: `store unavailable: ${(err as Error).message}` });
    }
    const ready = { ready: true, ...counts, version: app.rag.store.version() };
    if (!app.rag.search) return ready;
    const search = await app.rag.search.readiness();
    if (search.ready) {
      return { ...ready, opensearch: { index: search.index ?? '', documents: search.documents ?? 0, chunks: search.chunks ?? 0 } };
    }
    if (app.rag.config.opensearch.fallback !== 'none') {
      return { ...ready, reason: `degraded: ${search.reason ?? 'OpenSearch unavailable'}; queries are answered by the embedded BM25` };
    }
    return reply.status(503).send({ ready: false, reason: search.reason ?? 'OpenSearch unavailable' });
  });
};
