import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** OpenAPI 3 generated from the routes' TypeBox schemas; the UI at /docs, the document at /docs/json. */
export const openapi = fp(async (app: FastifyInstance, options: { ui: boolean }) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'RAG platform',
        description: 'Question answering over a document collection, with citations, confidence and a timing trace.',
        version: '0.1.0',
      },
      tags: [
        { name: 'query', description: 'Answers and retrieval' },
        { name: 'documents', description: 'Ingestion' },
        { name: 'chat', description: 'OpenAI-compatible chat over the pipelines' },
        { name: 'ops', description: 'Health and readiness' },
      ],
    },
  });
  if (options.ui) await app.register(swaggerUi, { routePrefix: '/docs' });
});
