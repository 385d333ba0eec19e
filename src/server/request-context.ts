import type { FastifyReply, FastifyRequest } from 'fastify';
import { RunContext } from '../core/run-context.js';

/**
 * A RunContext for one HTTP request: its deadline is the smaller of the server's and the client's, and it is
 * aborted when the client goes away before the answer is sent, so no work continues for nobody; and when the
 * answer has been sent, so no work left behind (a model call beside one that failed the request) runs on.
 */
export function contextFor(request: FastifyRequest, reply: FastifyReply, serverTimeoutMs: number, clientTimeoutMs?: number): RunContext {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    controller.abort(new Error(reply.raw.writableFinished ? 'request ended' : 'client disconnected'));
  });
  const ctx = new RunContext({
    signal: controller.signal,
    timeoutMs: Math.min(serverTimeoutMs, clientTimeoutMs ?? serverTimeoutMs),
    log: request.log,
  });
  request.runContext = ctx;
  return ctx;
}
