import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '../schemas/common.js';
import { QueryResponseSchema, queryBodySchema } from '../schemas/query.js';
import { contextFor } from '../request-context.js';

/** POST /v1/query: the whole path, question to answer with citations, confidence and trace. */
export const queryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app.rag;
  app.post(
    '/v1/query',
    {
      schema: {
        tags: ['query'],
        summary: 'Answer a question from the indexed documents',
        body: queryBodySchema(config.limits),
        response: { 200: QueryResponseSchema, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request, reply) => {
      const { timeoutMs, ...query } = request.body;
      const ctx = contextFor(request, reply, config.server.requestTimeoutMs, timeoutMs);
      return app.rag.query(query, ctx);
    },
  );
};
