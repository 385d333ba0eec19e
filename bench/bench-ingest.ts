import { defaultConfigPath } from '../src/core/config.js';
import { loadConfig } from '../src/core/config.js';
import { Rag } from '../src/rag.js';

export interface IngestFigures {
  docs: number;
  chunks: number;
  seconds: number;
  docs_per_s: number;
  chunks_per_s: number;
}

export interface BenchStore {
  ingest: IngestFigures;
  /** Milliseconds of `rag.warm()`: the in-memory BM25 index built from the store. */
  indexBuildMs: number;
  indexedChunks: number;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Builds the store a benchmark's server will open: the corpus ingested in batches of 1,000 with the default
 * configuration (and `configFile` over it), then the in-memory index warmed once to time it. `hold` is given the
 * Rag while it is open, so that a signal handler can close it.
 */
export async function buildBenchStore(corpusPath: string, storePath: string, configFile: string | undefined, hold: (rag: Rag | null) => void): Promise<BenchStore> {
  const files = [defaultConfigPath];
  if (configFile) files.push(configFile);
  const config = loadConfig({ files, overrides: { store: { path: storePath }, bootstrap: { ingestOnEmpty: false } } });
  const rag = new Rag(config);
  hold(rag);
  try {
    const tty = process.stderr.isTTY;
    const started = performance.now();
    const result = await rag.ingestPaths([corpusPath], {
      batchSize: 1000,
      onProgress: (done) => {
        if (tty) process.stderr.write(`\r  ingested ${done} documents...`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    if (tty) process.stderr.write('\r\x1b[K');
    const warmStarted = performance.now();
    const indexedChunks = rag.warm();
    const indexBuildMs = performance.now() - warmStarted;
    return {
      ingest: {
        docs: result.documents,
        chunks: result.chunks,
        seconds: round(seconds, 3),
        docs_per_s: round(result.documents / seconds),
        chunks_per_s: round(result.chunks / seconds),
      },
      indexBuildMs: round(indexBuildMs),
      indexedChunks,
    };
  } finally {
    hold(null);
    // A signal handler may have closed it already (closing twice is harmless; failing here would hide why).
    await rag.close().catch(() => undefined);
  }
}
