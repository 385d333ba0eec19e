import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import { RagError } from '../core/errors.js';
import { RunContext } from '../core/run-context.js';
import type { DocumentInput } from '../core/types.js';
import type { Embedder } from '../models/embedder.js';
import { Bm25Retriever } from '../retrievers/bm25-retriever.js';
import { buildOpenSearchRetriever } from '../retrievers/opensearch-retriever-factory.js';
import type { Retriever } from '../retrievers/retriever.js';
import { readDocumentBatches } from '../store/document-sources.js';
import { Ingestor } from '../store/ingestor.js';
import { OpenSearchStore } from '../store/opensearch-store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { loadBeirDataset } from './beir-dataset.js';
import { mean, mrrAt, ndcgAt, percentile, recallAt } from './metrics.js';

export interface RetrievalEvalReport {
  dataset: string;
  split: string;
  backend: 'embedded' | 'opensearch';
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

/** A fresh index of the evaluated backend: filled, made searchable, queried, thrown away. */
interface EvalIndex {
  /** Stores a batch; returns the documents stored. */
  ingest(batch: DocumentInput[]): Promise<number>;
  /** After the last batch: build what queries need (the in-memory postings, an OpenSearch refresh). */
  finish(onProgress: (p: EvalProgress) => void): Promise<void>;
  retriever: Retriever;
  chunks(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Indexes a BEIR corpus into a fresh temporary index of the configured backend (retrieval.backend: a SQLite
 * file, or a temporary OpenSearch collection on the configured cluster), runs every query that has a judgement,
 * and scores the document ranking (best chunk per document). A hit whose id is the query's own id is ignored,
 * as BEIR does.
 */
export async function evaluateRetrieval(
  config: Config,
  datasetDir: string,
  split: string,
  onProgress: (p: EvalProgress) => void = () => undefined,
  options: { embedder?: Embedder } = {},
): Promise<RetrievalEvalReport> {
  const dataset = loadBeirDataset(datasetDir, split);
  const index = config.retrieval.backend === 'opensearch' ? openSearchIndex(config, options.embedder) : embeddedIndex(config);
  try {
    onProgress({ phase: 'ingest', done: 0 });
    const started = performance.now();
    let documents = 0;
    for await (const batch of readDocumentBatches([dataset.corpusPath], { batchSize: 1000 })) {
      documents += await index.ingest(batch);
      onProgress({ phase: 'ingest', done: documents });
    }
    const ingestSeconds = (performance.now() - started) / 1000;
    await index.finish(onProgress);
    const retriever = index.retriever;
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
      backend: config.retrieval.backend,
      'ndcg@10': round(mean(ndcg)),
      'recall@100': round(mean(recall)),
      'mrr@10': round(mean(mrr)),
      queries: dataset.queries.length,
      latency_ms: { p50: round(percentile(latency, 50), 3), p95: round(percentile(latency, 95), 3) },
      documents,
      chunks: await index.chunks(),
      ingest_docs_per_s: Math.round(documents / ingestSeconds),
    };
  } finally {
    await index.close();
  }
}

function embeddedIndex(config: Config): EvalIndex {
  const dir = mkdtempSync(join(tmpdir(), 'rag-eval-'));
  const store = new SqliteStore(join(dir, 'eval.db'));
  const ingestor = new Ingestor(store, { ...config.chunking, maxDocumentChars: config.limits.maxDocumentChars });
  const retriever = new Bm25Retriever(store, config.retrieval.bm25);
  return {
    ingest: async (batch) => (await ingestor.ingest(batch)).documents,
    finish: async (onProgress) => {
      onProgress({ phase: 'index', done: 0 });
      onProgress({ phase: 'index', done: retriever.warm((done) => onProgress({ phase: 'index', done })) });
    },
    retriever,
    chunks: async () => store.counts().chunks,
    close: async () => {
      retriever.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A temporary collection of its own (alias rag-eval-<pid>-<time>), dropped afterwards; the configured one is untouched. */
function openSearchIndex(config: Config, embedder: Embedder | undefined): EvalIndex {
  const alias = `rag-eval-${process.pid}-${Date.now()}`;
  const store = OpenSearchStore.fromConfig(config, { alias, embedder: embedder ?? null });
  const ingestor = new Ingestor(null, { ...config.chunking, maxDocumentChars: config.limits.maxDocumentChars });
  return {
    ingest: async (batch) => {
      const result = await store.write(await ingestor.prepare(batch), { refresh: false });
      const first = result.failed[0];
      // Scores over an incomplete index would mislead: stop and say why.
      if (first) throw new RagError('UNAVAILABLE', `OpenSearch refused ${result.failed.length} documents, e.g. "${first.id}": ${first.reason}`);
      return result.documents;
    },
    finish: async (onProgress) => {
      onProgress({ phase: 'index', done: 0 });
      await store.refresh();
      onProgress({ phase: 'index', done: (await store.counts()).chunks });
    },
    // The retriever opensearch.mode names, without a fallback: the evaluation measures OpenSearch alone.
    retriever: buildOpenSearchRetriever({ ...config, opensearch: { ...config.opensearch, fallback: 'none' } }, store, null),
    chunks: async () => (await store.counts()).chunks,
    close: async () => {
      try {
        await store.drop();
      } finally {
        await store.close();
      }
    },
  };
}
