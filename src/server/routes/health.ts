import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const Readiness = Type.Object({
  ready: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  documents: Type.Optional(Type.Integer()),
  chunks: Type.Optional(Type.Integer()),
  version: Type.Optional(Type.Integer()),
});

/** Liveness (the process answers) and readiness (the store answers and the index is loaded). */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { schema: { tags: ['ops'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get('/readyz', { schema: { tags: ['ops'], response: { 200: Readiness, 503: Readiness } } }, async (_request, reply) => {
    try {
      app.rag.store.ping();
      const counts = app.rag.store.counts();
      return { ready: true, ...counts, version: app.rag.store.version() };
    } catch (err) {
      return reply.status(503).send({ ready: false, reason: `store unavailable: ${(err as Error).message}` });
    }
  });
};
