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
    // A compressed body is read as is: a gzip body was answered "body is not valid UTF-8", which sends the client
    // looking for a bad character rather than at its compression.
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if ((body as Buffer).length > 0 && encoding !== undefined && encoding !== '' && encoding !== 'identity') {
      done(new RagError('UNSUPPORTED_MEDIA_TYPE', `content-encoding "${encoding.slice(0, 40)}" is not accepted: send the JSON body uncompressed`), undefined);
      return;
    }
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
    const depth = nestingDepth(text);
    if (depth > MAX_DEPTH) {
      done(new RagError('BAD_REQUEST', `body nests more than ${MAX_DEPTH} levels of arrays and objects (it nests ${depth})`), undefined);
      return;
    }
    parseJson(request, text, (err, value) => {
      // The parser refuses prototype poisoning with "not valid JSON", which blames a body that is valid JSON.
      if (err && /__proto__|"constructor"\s*:/.test(text)) done(new RagError('BAD_REQUEST', 'the JSON body holds a "__proto__" or "constructor.prototype" key, which is refused'), undefined);
      else done(err, value);
    });
  });
});

/** No request of this API nests deeper; 10,000 levels of brackets took JSON.parse seconds. */
const MAX_DEPTH = 64;

/** How deep arrays and objects nest, strings skipped: one pass, stopping once past MAX_DEPTH. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > MAX_DEPTH) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}
