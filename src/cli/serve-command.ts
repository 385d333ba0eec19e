import { existsSync } from 'node:fs';
import type { Config } from '../core/config.js';
import { Rag } from '../rag.js';
import { buildApp } from '../server/app.js';

export interface ServeOptions {
  /** Paths to ingest when the index is empty; overrides bootstrap.paths. */
  bootstrap?: string[];
}

/** Starts the HTTP server; an empty index first gets the configured documents (by default this project's docs). */
export async function serve(config: Config, options: ServeOptions = {}): Promise<void> {
  const rag = new Rag(config);
  const app = await buildApp(rag);
  const log = app.log;
  try {
    // OpenSearch down at start-up does not stop the server: /readyz answers 503 with the reason until it is back.
    const searchProblem = await rag.connectSearch((message) => log.info(message));
    if (searchProblem) log.warn({ reason: searchProblem }, 'OpenSearch is unavailable; /readyz reports it and every request tries again');
    if (config.bootstrap.ingestOnEmpty && rag.store.counts().documents === 0 && !searchProblem) {
      const paths = (options.bootstrap ?? config.bootstrap.paths).filter((p) => existsSync(p));
      if (paths.length > 0) {
        const r = await rag.ingestPaths(paths);
        log.info({ paths, documents: r.documents, chunks: r.chunks, failed: r.failed?.length ?? 0 }, 'index was empty: ingested bootstrap documents');
      } else log.warn({ paths: options.bootstrap ?? config.bootstrap.paths }, 'index is empty and no bootstrap path exists');
    }
    const started = performance.now();
    const chunks = rag.warm();
    log.info({ chunks, ms: Math.round(performance.now() - started) }, 'index loaded');
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    await app.close();
    rag.close();
    throw err;
  }
  const shutdown = async (signal: string): Promise<void> => {
    log.info({ signal }, 'shutting down');
    await app.close();
    rag.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
