import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse, jsonOrEventStream } from '../schemas/common.js';
import { QueryResponseSchema, queryBodySchema } from '../schemas/query.js';
import { acceptsEventStream } from '../accept.js';
import { contextFor } from '../request-context.js';
import { afterFirstEvent } from '../first-event.js';
import { SseStream, streamFailure } from '../sse.js';

/** POST /v1/query: the whole path, question to answer with citations, confidence and trace. */
export const queryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app.rag;
  app.post(
    '/v1/query',
    {
      schema: {
        tags: ['query'],
        summary: 'Answer a question from the indexed documents',
        description:
          'JSON by default. With `stream: true` (or `Accept: text/event-stream`) the answer comes as server-sent events: ' +
          'plan, sources (before any answer text), token (new text only), candidate, answer, done; or error.',
        body: queryBodySchema(config.limits),
        response: {
          200: jsonOrEventStream(QueryResponseSchema, 'The answer (JSON), or its events as they come (server-sent events)'),
          '4xx': ErrorResponse,
          '5xx': ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { timeoutMs, stream, ...query } = request.body;
      const ctx = contextFor(request, reply, config.server.requestTimeoutMs, timeoutMs);
      if (!(stream ?? acceptsEventStream(request.headers.accept))) return app.rag.query(query, ctx);
      // Mistakes the caller can fix (an unknown pipeline, a query with no words) are answered as JSON errors, before
      // the stream opens.
      const events = await afterFirstEvent(app.rag.stream(query, ctx));
      const sse = new SseStream(reply);
      try {
        for await (const e of events) sse.send(e.event, e.data);
      } catch (err) {
        if (ctx.signal.aborted && !sse.open) request.log.info('client went away: stream stopped');
        else {
          const e = streamFailure(request, err);
          sse.send('error', { statusCode: e.statusCode, code: e.code, message: e.message, requestId: request.id });
        }
      } finally {
        sse.end();
      }
      return reply;
    },
  );
};
