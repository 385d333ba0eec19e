import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { RagError } from '../../core/errors.js';
import { requestRoute } from '../request-route.js';

export interface AuthOptions {
  apiKeys: Array<{ name: string; key: string }>;
  protectMetrics: boolean;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Bearer API keys. With keys configured, every /v1/ route (and /metrics when asked) needs
 * `Authorization: Bearer <key>`; health, readiness and the API docs stay open. Keys are compared by digest in
 * constant time, and only the key's name reaches the request (and the logs).
 */
export const auth = fp(async (app: FastifyInstance, options: AuthOptions) => {
  app.decorateRequest('apiKeyName', null);
  if (options.apiKeys.length === 0) return;
  const keys = options.apiKeys.map((k) => ({ name: k.name, digest: digest(k.key) }));
  app.addHook('onRequest', async (request) => {
    const path = requestRoute(request);
    const guarded = path.startsWith('/v1/') || (options.protectMetrics && path === '/metrics');
    if (!guarded) return;
    const header = request.headers.authorization;
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
    if (!token) {
      // Said apart, so a client sending the key without its scheme (or with another one) knows what to change.
      const reason = header === undefined || header.trim() === '' ? 'missing API key' : 'the Authorization header is not "Bearer <key>"';
      throw new RagError('UNAUTHORIZED', `${reason}: send "Authorization: Bearer <key>"`);
    }
    const presented = digest(token);
    const match = keys.find((k) => timingSafeEqual(k.digest, presented));
    if (!match) throw new RagError('UNAUTHORIZED', 'invalid API key');
    request.apiKeyName = match.name;
    request.log = request.log.child({ apiKey: match.name });
  });
});
