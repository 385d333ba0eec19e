import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Rag } from '../rag.js';
import { errorHandler } from './plugins/error-handler.js';
import { openapi } from './plugins/openapi.js';
import { strictJson } from './plugins/strict-json.js';
import { documentRoutes } from './routes/documents.js';
import { healthRoutes } from './routes/health.js';
import { queryRoutes } from './routes/query.js';
import { retrieveRoutes } from './routes/retrieve.js';

declare module 'fastify' {
  interface FastifyInstance {
    rag: Rag;
  }
}

export interface BuildAppOptions {
  /** Fastify's logger setting; defaults to pino at the configured level, secrets redacted. */
  logger?: FastifyServerOptions['logger'];
}

/** The HTTP server over a Rag instance: one plugin per concern, the Rag decorated on the instance. */
export async function buildApp(rag: Rag, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { server } = rag.config;
  const app = Fastify({
    logger: options.logger ?? {
      level: server.logLevel,
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
    },
    bodyLimit: server.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Bad input must be rejected, not repaired: no silent coercion, no silent dropping of unknown fields.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('rag', rag);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  await app.register(errorHandler);
  await app.register(strictJson);
  await app.register(openapi, { ui: server.docs });
  await app.register(healthRoutes);
  await app.register(queryRoutes);
  await app.register(retrieveRoutes);
  await app.register(documentRoutes);
  return app;
}
