import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
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
  // Before any work (models, bootstrap ingestion): a port already taken is found in a second, not after minutes.
  await assertPortFree(config.server.host, config.server.port);
  const logger = createLogger(config.server.logLevel);
  const rag = new Rag(config, { log: logger, ...(options.embedder ? { embedder: options.embedder } : {}) });
  const app = await buildApp(rag, { loggerInstance: logger });
  const log = app.log;
  try {
    // Models first, and the store's vectors checked against the embedder: a missing model folder or server, or a
    // store embedded with another model, stops the start before any work is done.
    for (const m of await rag.init()) {
      log.info({ model: m }, `model loaded: ${m.role} from ${m.source}${m.provider ? ` on ${m.provider}` : ''}`);
      for (const w of m.warnings ?? []) log.warn({ role: m.role }, w);
      for (const f of m.fallbacks ?? []) log.warn({ role: m.role, provider: f.provider, reason: f.reason }, `${m.role}: execution provider ${f.provider} unavailable, fell back to ${m.provider ?? 'the next'}`);
    }
    // OpenSearch down at start-up does not stop the server: /readyz answers 503 with the reason until it is back.
    const searchProblem = await rag.connectSearch((message) => log.info(message));
    if (searchProblem) log.warn({ reason: searchProblem }, 'OpenSearch is unavailable; /readyz reports it and every request tries again');
    const stored = rag.store.counts().documents;
    if (options.bootstrap && stored > 0) {
      log.warn({ paths: options.bootstrap, documents: stored }, `--bootstrap fills an empty index only, and this one holds ${stored} documents: add these with "rag ingest <path>"`);
    }
    if (config.bootstrap.ingestOnEmpty && stored === 0) {
      const wanted = options.bootstrap ?? config.bootstrap.paths;
      if (searchProblem) {
        // Ingesting would store documents OpenSearch does not index; nothing ingests them once it is back.
        log.warn({ paths: wanted }, `bootstrap skipped: OpenSearch is unavailable; once it is back, run "rag ingest ${wanted.join(' ')}" (or restart the server)`);
      } else {
        const paths = wanted.filter((p) => existsSync(p));
        if (paths.length > 0) {
          // A typo in bootstrap.paths beside a path that exists went unnoticed: the others were ingested, silently.
          const missing = wanted.filter((p) => !paths.includes(p));
          if (missing.length > 0) log.warn({ missing, cwd: process.cwd() }, `bootstrap: no such file or folder: ${missing.join(', ')} (relative to ${process.cwd()})`);
          const r = await rag.ingestPaths(paths);
          for (const s of r.skipped ?? []) log.warn({ file: s.file }, `bootstrap: skipped ${s.file}: ${s.reason}`);
          log.info({ paths, documents: r.documents, chunks: r.chunks, failed: r.failed?.length ?? 0, skipped: r.skipped?.length ?? 0 }, 'index was empty: ingested bootstrap documents');
        } else log.warn({ paths: wanted }, 'index is empty and no bootstrap path exists');
      }
    }
    if (!(await rag.connect())) log.warn('redis did not answer at start-up: serving uncached, rate limits open, reconnecting');
    const started = performance.now();
    const chunks = rag.warm();
    log.info({ chunks, ms: Math.round(performance.now() - started) }, 'index loaded');
    await app.listen({ host: config.server.host, port: config.server.port });
    if (rag.llm) {
      // Not fatal: the server may come up before its LLM server.
      const llm = await rag.llm.probe(5000);
      if (llm.reachable) log.info({ url: rag.llm.url, model: rag.llm.model, modelListed: llm.modelListed }, 'LLM server reachable');
      else {
        const meanwhile =
          config.llm?.fallback === 'extractive'
            ? 'until it is, LLM answers fall back to the extractive reader (marked degraded) and agentic pipelines answer 503'
            : 'until it is, pipelines that use it answer 503 (llm.fallback: none)';
        log.warn({ url: rag.llm.url, reason: llm.reason }, `LLM server not reachable; ${meanwhile}`);
      }
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

/** Fails with what to do when something already listens on the port (port 0 asks for any free one). */
async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') return resolve(); // Anything else (a bad host) is for listen() to report.
      reject(
        new RagError('CONFIG', `port ${port} on ${host} is already in use: stop what listens there, or choose another port with --port N (npm start -- --port N) or RAG_SERVER__PORT=N`),
      );
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
