import { existsSync } from 'node:fs';
import type { Config } from '../core/config.js';
import { RagError } from '../core/errors.js';
import type { Embedder } from '../models/embedder.js';
import { Rag } from '../rag.js';
import { buildApp, createLogger } from '../server/app.js';

export interface ServeOptions {
  /** Paths to ingest when the index is empty; overrides bootstrap.paths. */
  bootstrap?: string[];
  /** The embedding model for dense and hybrid retrieval, when the configuration names one. */
  embedder?: Embedder;
}

/** Starts the HTTP server; an empty index first gets the configured documents (by default this project's docs). */
export async function serve(config: Config, options: ServeOptions = {}): Promise<void> {
  // Paths given on the command line are meant: a missing one is a mistake, not "nothing to bootstrap".
  const missing = (options.bootstrap ?? []).filter((p) => !existsSync(p));
  if (missing.length > 0) throw new RagError('NOT_FOUND', `--bootstrap: no such file or folder: ${missing.join(', ')}`);
  const logger = createLogger(config.server.logLevel);
  const rag = new Rag(config, { log: logger, ...(options.embedder ? { embedder: options.embedder } : {}) });
  const app = await buildApp(rag, { loggerInstance: logger });
  const log = app.log;
  try {
    // Models first, and the store's vectors checked against the embedder: a missing model folder or server, or a
    // store embedded with another model, stops the start before any work is done.
    for (const m of await rag.init()) {
      log.info({ model: m }, `model loaded: ${m.role} from ${m.source}${m.provider ? ` on ${m.provider}` : ''}`);
      for (const f of m.fallbacks ?? []) log.warn({ role: m.role, provider: f.provider, reason: f.reason }, `${m.role}: execution provider ${f.provider} unavailable, fell back to ${m.provider ?? 'the next'}`);
    }
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
    if (!(await rag.connect())) log.warn('redis did not answer at start-up: serving uncached, rate limits open, reconnecting');
    const started = performance.now();
    const chunks = rag.warm();
    log.info({ chunks, ms: Math.round(performance.now() - started) }, 'index loaded');
    await app.listen({ host: config.server.host, port: config.server.port });
    if (rag.llm) {
      // Not fatal: the server may come up before its LLM server; pipelines that use it answer 503 until then.
      const llm = await rag.llm.probe(5000);
      if (llm.reachable) log.info({ url: rag.llm.url, model: rag.llm.model, modelListed: llm.modelListed }, 'LLM server reachable');
      else log.warn({ url: rag.llm.url, reason: llm.reason }, 'LLM server not reachable; pipelines that use it answer 503 until it is');
    }
  } catch (err) {
    await app.close();
    await rag.close();
    throw err;
  }
  const shutdown = async (signal: string): Promise<void> => {
    log.info({ signal }, 'shutting down');
    await app.close();
    await rag.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
