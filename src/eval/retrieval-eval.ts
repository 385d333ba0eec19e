import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config, RetrieverName } from '../core/config.js';
import { RunContext } from '../core/run-context.js';
import type { Embedder } from '../models/embedder.js';
import { Rag } from '../rag.js';
import { loadBeirDataset } from './beir-dataset.js';
import { mean, mrrAt, ndcgAt, percentile, recallAt } from './metrics.js';

export interface RetrievalEvalReport {
  dataset: string;
  split: string;
  retriever: RetrieverName;
  'ndcg@10': number;
  'recall@100': number;
  'mrr@10': number;
  queries: number;
  latency_ms: { p50: number; p95: number };
  documents: number;
  chunks: number;
  ingest_docs_per_s: number;
}

export interface EvalProgress {
  phase: 'ingest' | 'index' | 'query';
  done: number;
  total?: number;
}

/** Chunks fetched per wanted document: a document's score is its best chunk's, so ask for some spare. */
const CHUNKS_PER_DOC = 3;

export interface RetrievalEvalOptions {
  /** bm25 (default), dense or hybrid; dense and hybrid need `embedder`. */
  retriever?: RetrieverName;
  embedder?: Embedder;
  onProgress?: (p: EvalProgress) => void;
}

/**
 * Indexes a BEIR corpus into a fresh temporary store with the configured defaults (with vectors when an embedder
 * is given), runs every query that has a judgement through the chosen retriever, and scores the document ranking
 * (best chunk per document). A hit whose id is the query's own id is ignored, as BEIR does.
 */
export async function evaluateRetrieval(
  config: Config,
  datasetDir: string,
  split: string,
  options: RetrievalEvalOptions = {},
): Promise<RetrievalEvalReport> {
  const onProgress = options.onProgress ?? (() => undefined);
  const name = options.retriever ?? 'bm25';
  const dataset = loadBeirDataset(datasetDir, split);
  const dir = mkdtempSync(join(tmpdir(), 'rag-eval-'));
  const rag = new Rag({ ...config, store: { path: join(dir, 'eval.db') } }, options.embedder ? { embedder: options.embedder } : {});
  try {
    const retriever = rag.retrieverNamed(name);
    onProgress({ phase: 'ingest', done: 0 });
    const started = performance.now();
    const { documents } = await rag.ingestPaths([dataset.corpusPath], {
      batchSize: 1000,
      onProgress: (done) => onProgress({ phase: 'ingest', done }),
    });
    const ingestSeconds = (performance.now() - started) / 1000;

    if (name !== 'dense') {
      onProgress({ phase: 'index', done: 0 });
      onProgress({ phase: 'index', done: rag.retriever.warm((done) => onProgress({ phase: 'index', done })) });
    }
    onProgress({ phase: 'query', done: 0, total: dataset.queries.length });

    const ndcg: number[] = [];
    const recall: number[] = [];
    const mrr: number[] = [];
    const latency: number[] = [];
    for (const [i, query] of dataset.queries.entries()) {
      const t0 = performance.now();
      const hits = await retriever.retrieve(query.text, { k: 100 * CHUNKS_PER_DOC }, new RunContext());
      latency.push(performance.now() - t0);
      const ranked: string[] = [];
      const seen = new Set<string>([query.id]);
      for (const hit of hits) {
        if (seen.has(hit.docId)) continue;
        seen.add(hit.docId);
        ranked.push(hit.docId);
      }
      const rel = dataset.qrels.get(query.id) ?? new Map<string, number>();
      ndcg.push(ndcgAt(ranked, rel, 10));
      recall.push(recallAt(ranked, rel, 100));
      mrr.push(mrrAt(ranked, rel, 10));
      if ((i + 1) % 50 === 0 || i + 1 === dataset.queries.length) {
        onProgress({ phase: 'query', done: i + 1, total: dataset.queries.length });
      }
    }
    const round = (x: number, d = 4): number => Number(x.toFixed(d));
    return {
      dataset: datasetDir,
      split,
      retriever: name,
      'ndcg@10': round(mean(ndcg)),
      'recall@100': round(mean(recall)),
      'mrr@10': round(mean(mrr)),
      queries: dataset.queries.length,
      latency_ms: { p50: round(percentile(latency, 50), 3), p95: round(percentile(latency, 95), 3) },
      documents,
      chunks: rag.store.counts().chunks,
      ingest_docs_per_s: Math.round(documents / ingestSeconds),
    };
  } finally {
    rag.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
