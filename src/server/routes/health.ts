import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ModelStatus } from '../../models/model-status.js';

const Provider = Type.String();

const ModelStatusSchema = Type.Object({
  role: Type.String(),
  kind: Type.String(),
  source: Type.String(),
  model: Type.Optional(Type.String()),
  provider: Type.Optional(Provider),
  requestedProviders: Type.Optional(Type.Array(Provider)),
  fallbacks: Type.Optional(Type.Array(Type.Object({ provider: Provider, reason: Type.String() }))),
  dtype: Type.Optional(Type.String()),
  dimensions: Type.Optional(Type.Integer()),
  maxLength: Type.Optional(Type.Integer()),
  loadMs: Type.Number(),
});

const Readiness = Type.Object({
  ready: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  documents: Type.Optional(Type.Integer()),
  chunks: Type.Optional(Type.Integer()),
  version: Type.Optional(Type.Integer()),
  /** The configured models: where each runs (execution provider) and what it fell back from. */
  models: Type.Optional(Type.Array(ModelStatusSchema)),
});

/** Liveness (the process answers) and readiness (the store answers, the index and the models are loaded). */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { schema: { tags: ['ops'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get('/readyz', { schema: { tags: ['ops'], response: { 200: Readiness, 503: Readiness } } }, async (_request, reply) => {
    let models: ModelStatus[];
    try {
      models = app.rag.modelStatus();
    } catch (err) {
      return reply.status(503).send({ ready: false, reason: `models not loaded: ${(err as Error).message}` });
    }
    try {
      app.rag.store.ping();
      const counts = app.rag.store.counts();
      return { ready: true, ...counts, version: app.rag.store.version(), models };
    } catch (err) {
      return reply.status(503).send({ ready: false, reason: `store unavailable: ${(err as Error).message}` });
    }
  });
};
