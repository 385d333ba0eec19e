import { existsSync } from 'node:fs';
import type { Config } from '../core/config.js';
import type { Embedder } from '../models/embedder.js';
import { Rag } from '../rag.js';
import { buildApp } from '../server/app.js';

export interface ServeOptions {
  /** Paths to ingest when the index is empty; overrides bootstrap.paths. */
  bootstrap?: string[];
  /** The embedding model for dense and hybrid retrieval, when the configuration names one. */
  embedder?: Embedder;
}

/** Starts the HTTP server; an empty index first gets the configured documents (by default this project's docs). */
export async function serve(config: Config, options: ServeOptions = {}): Promise<void> {
  const rag = new Rag(config, options.embedder ? { embedder: options.embedder } : {});
  const app = await buildApp(rag);
  const log = app.log;
  try {
    // Loads the embedder and checks the store's vectors against it, so a wrong model fails the start, not a request.
    await rag.open();
    if (config.bootstrap.ingestOnEmpty && rag.store.counts().documents === 0) {
      const paths = (options.bootstrap ?? config.bootstrap.paths).filter((p) => existsSync(p));
      if (paths.length > 0) {
        const r = await rag.ingestPaths(paths);
        log.info({ paths, documents: r.documents, chunks: r.chunks }, 'index was empty: ingested bootstrap documents');
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
