import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '../schemas/common.js';
import { RetrieveResponseSchema, retrieveBodySchema } from '../schemas/retrieve.js';
import { contextFor } from '../request-context.js';

/** POST /v1/retrieve: ranked chunks only, for callers that bring their own generator. */
export const retrieveRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app.rag;
  app.post(
    '/v1/retrieve',
    {
      schema: {
        tags: ['query'],
        summary: 'Retrieve the chunks that best match a query',
        body: retrieveBodySchema(config.limits),
        response: { 200: RetrieveResponseSchema, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request, reply) => {
      const { timeoutMs, k, ...rest } = request.body;
      const ctx = contextFor(request, reply, config.server.requestTimeoutMs, timeoutMs);
      return app.rag.retrieve(k === undefined ? rest : { ...rest, k }, ctx);
    },
  );
};
