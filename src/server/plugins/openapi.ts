import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface OpenapiOptions {
  /** Serve the browsable UI at /docs (server.docs). */
  ui: boolean;
  /** The routes that need `Authorization: Bearer <key>`: none without API keys (see the auth plugin). */
  guarded: (url: string) => boolean;
}

/** The name of the bearer scheme in `components.securitySchemes`. */
const BEARER = 'apiKey';

/**
 * OpenAPI 3 generated from the routes' TypeBox schemas; the UI at /docs, the document at /docs/json. With API keys
 * the document says which routes need one (a bearer scheme), so the UI offers "Authorize" and a generated client
 * sends the key: before, every "Try it out" on a /v1/ route was 401.
 */
export const openapi = fp(async (app: FastifyInstance, options: OpenapiOptions) => {
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
      components: {
        securitySchemes: { [BEARER]: { type: 'http', scheme: 'bearer', description: 'A key of auth.apiKeys, as "Authorization: Bearer <key>"' } },
      },
    },
    transform: ({ schema, url }) => ({ schema: schema && options.guarded(url) ? { ...schema, security: [{ [BEARER]: [] }] } : schema, url }),
  });
  if (options.ui) await app.register(swaggerUi, { routePrefix: '/docs' });
});
