import type { FastifyReply, FastifyRequest } from 'fastify';
import { RagError, isRagError } from '../core/errors.js';

/**
 * A server-sent-events response: takes the socket over from Fastify, writes `event:`/`data:` frames, and tells
 * whether the client is still there so the work behind the stream can stop.
 */
export class SseStream {
  constructor(private readonly reply: FastifyReply) {
    // Headers the hooks set before the handler (the rate limits'): a hijacked reply does not send them itself.
    const set = Object.entries(reply.getHeaders()).filter((h): h is [string, string | number | string[]] => h[1] !== undefined);
    reply.hijack();
    reply.raw.writeHead(200, {
      ...Object.fromEntries(set),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise buffer the stream.
      'x-accel-buffering': 'no',
      'x-request-id': reply.request.id,
    });
  }

  get open(): boolean {
    return !this.reply.raw.destroyed && !this.reply.raw.writableEnded;
  }

  send(event: string, data: unknown): void {
    if (this.open) this.reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** A bare `data:` frame, as OpenAI's streams use (the string "[DONE]" is sent as is). */
  data(payload: unknown): void {
    if (this.open) this.reply.raw.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
  }

  end(): void {
    if (this.open) this.reply.raw.end();
  }
}

/**
 * A failure after a stream opened, as the error event or frame says it, logged as the error handler logs a failed
 * request (5xx with its cause, a refusal as info) and counted in rag_stream_errors_total: the status line already
 * said 200, so without them a model server dropping streams midway, or a bug, left no trace under the request id,
 * and rag_http_requests_total counted the stream as a success.
 */
export function streamFailure(request: FastifyRequest, err: unknown): RagError {
  const e = isRagError(err) ? err : new RagError('INTERNAL', 'internal error');
  if (e.statusCode >= 500) request.log.error({ err }, 'stream failed');
  else request.log.info({ code: e.code, message: e.message }, 'stream refused');
  request.server.countStreamError(request.routeOptions.url ?? 'unmatched', e.code);
  return e;
}
