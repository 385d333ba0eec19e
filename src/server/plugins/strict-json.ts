import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { RagError } from '../../core/errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON bodies must be valid UTF-8: Node would silently turn bad bytes into U+FFFD, storing text the client never
 * sent. Parsing itself stays Fastify's (prototype-poisoning safe).
 */
export const strictJson = fp(async (app: FastifyInstance) => {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  // Only JSON is accepted: other bodies get 415 rather than a confusing validation error.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new RagError('BAD_REQUEST', 'body is not valid UTF-8'), undefined);
      return;
    }
    if (text.trim().length === 0) {
      // Many clients send their JSON content type on every request: a DELETE or GET has no body to read.
      if (request.method === 'DELETE' || request.method === 'GET') done(null, undefined);
      else done(new RagError('BAD_REQUEST', 'body is empty; expected a JSON object'), undefined);
      return;
    }
    parseJson(request, text, done);
  });
});
