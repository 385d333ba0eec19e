import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';

const PUBLIC = new URL('../../../public/', import.meta.url);

/** The page's files, read once: they are part of the release, not of the data. */
const ASSETS: Record<string, { file: URL; type: string }> = {
  '/playground': { file: new URL('playground/index.html', PUBLIC), type: 'text/html; charset=utf-8' },
  '/playground/app.js': { file: new URL('playground/app.js', PUBLIC), type: 'text/javascript; charset=utf-8' },
  '/playground/app.css': { file: new URL('playground/app.css', PUBLIC), type: 'text/css; charset=utf-8' },
  '/playground/citations.js': { file: new URL('playground/citations.js', PUBLIC), type: 'text/javascript; charset=utf-8' },
  '/playground/favicon.svg': { file: new URL('playground/favicon.svg', PUBLIC), type: 'image/svg+xml' },
  // The same chart code the eval reports draw with.
  '/playground/svg-charts.js': { file: new URL('svg-charts.js', PUBLIC), type: 'text/javascript; charset=utf-8' },
};

/** The playground page at /playground (and / redirects there): nothing but the server needed, no CDN. */
export const playgroundRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/playground'));
  // Browsers ask for /favicon.ico on pages that name no icon (/docs, a JSON response): nothing, rather than a 404.
  app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) => reply.code(204).header('cache-control', 'max-age=86400').send());
  for (const [path, asset] of Object.entries(ASSETS)) {
    const body = readFileSync(asset.file);
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('content-type', asset.type)
        .header('cache-control', 'no-cache')
        // The page loads only its own files and talks only to this server.
        .header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'")
        .send(body),
    );
  }
};
