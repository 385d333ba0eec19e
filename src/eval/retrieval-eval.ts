import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config, RetrieverName } from '../core/config.js';
import { RagError } from '../core/errors.js';
import { RunContext } from '../core/run-context.js';
import type { Embedder } from '../models/embedder.js';
import { Rag } from '../rag.js';
import { IntentRetriever } from '../retrievers/intent-retriever.js';
import { loadBeirDataset } from './beir-dataset.js';
import { CHUNKS_PER_DOC, documentRanking } from './document-ranking.js';
import { allFoundAt, mean, mrrAt, ndcgAt, percentile, recallAt } from './metrics.js';
import { QueryNoise } from './query-noise.js';
import { untilAborted } from './until-aborted.js';

export interface RetrievalEvalReport {
  dataset: string;
  split: string;
  /** Where the chunks were searched: the embedded store, or a temporary OpenSearch collection. */
  backend: 'embedded' | 'opensearch';
  retriever: RetrieverName;
  /** With dense or hybrid: the embedding model whose vectors were searched, as the store records it. */
  embedder?: { model: string; dimensions: number };
  'ndcg@10': number;
  'recall@100': number;
  'mrr@10': number;
  queries: number;
  latency_ms: { p50: number; p95: number };
  documents: number;
  chunks: number;
  ingest_docs_per_s: number;
  /** How the queries were understood: the settings, and what the planner did. */
  query: {
    noise: { rate: number; seed: number } | null;
    denoise: boolean;
    decompose: boolean;
    fusion: string;
    /** Queries the planner changed a word of, and all words it changed. */
    corrected_queries: number;
    corrections: number;
    /** Queries split into more than one sub-query. */
    decomposed_queries: number;
  };
  /**
   * Share of queries with every relevant document in the top k (supporting-document recall of multi-hop sets),
   * from a ranking of `retrieved_chunks` chunks (k documents' worth at least, so k is never cut short by the depth).
   */
  support_recall?: { k: number; all_found: number; retrieved_chunks: number };
  /** Each query's nDCG@10 and latency, for reports (`perQuery` option). */
  per_query?: Array<{ id: string; ndcg: number; latency_ms: number }>;
}

export interface RetrievalEvalOptions {
  /** bm25 (default), dense or hybrid; dense and hybrid need an embedder (`embeddings`, or `embedder`). */
  retriever?: RetrieverName;
  /** An embedder built by the caller instead of from `embeddings`. */
  embedder?: Embedder;
  /** Typing noise added to every query before planning. */
  noise?: { rate: number; seed: number };
  /** Keep each query's figures in the report (for the HTML report). */
  perQuery?: boolean;
  /** Also report the share of queries with all their relevant documents in the top k (at most MAX_SUPPORT_RECALL_K). */
  supportRecallK?: number;
  /** Stops the run (Ctrl-C): it rejects with ABORTED once its temporary index (or collection) is removed. */
  signal?: AbortSignal;
}

/**
 * The largest k of `supportRecallK`: its ranking is k * CHUNKS_PER_DOC chunks, and OpenSearch returns at most
 * 10,000 hits to one search (index.max_result_window).
 */
export const MAX_SUPPORT_RECALL_K = 3000;

export interface EvalProgress {
  phase: 'ingest' | 'index' | 'query';
  done: number;
  total?: number;
}

/**
 * Indexes a BEIR corpus into a fresh temporary store with the configured defaults (with vectors when an embedder
 * is configured), runs every query that has a judgement through query understanding (`config.query`: correction, decomposition, fusion) and intent-aware
 * retrieval over the chosen retriever, as the server does, and scores the document ranking (best chunk per document). A hit whose id is
 * the query's own id is ignored, as BEIR does. With `noise`, each query first gets seeded typos.
 */
export async function evaluateRetrieval(
  config: Config,
  datasetDir: string,
  split: string,
  onProgress: (p: EvalProgress) => void = () => undefined,
  options: RetrievalEvalOptions = {},
): Promise<RetrievalEvalReport> {
  const dataset = loadBeirDataset(datasetDir, split);
  if (options.supportRecallK !== undefined && options.supportRecallK > MAX_SUPPORT_RECALL_K) {
    throw new RagError('BAD_REQUEST', `support recall's k must be at most ${MAX_SUPPORT_RECALL_K} (got ${options.supportRecallK})`);
  }
  // Enough chunks for Recall@100 and for the support recall's k documents.
  const depth = Math.max(100, options.supportRecallK ?? 0) * CHUNKS_PER_DOC;
  const name = options.retriever ?? 'bm25';
  const dir = mkdtempSync(join(tmpdir(), 'rag-eval-'));
  const backend = config.retrieval.backend;
  // With OpenSearch: a collection of its own, thrown away after, and no fallback (OpenSearch alone is measured).
  const evalConfig: Config = {
    ...config,
    store: { path: join(dir, 'eval.db') },
    cache: { ...config.cache, enabled: false },
    opensearch: { ...config.opensearch, index: `rag-eval-${process.pid}-${Date.now()}`, fallback: 'none' },
  };
  const rag = new Rag(evalConfig, options.embedder ? { embedder: options.embedder } : {});
  const work = async (): Promise<RetrievalEvalReport> => {
    if (rag.search) {
      const reason = await rag.connectSearch();
      if (reason) throw new RagError('UNAVAILABLE', `OpenSearch unavailable for the evaluation: ${reason}`);
    }
    const intents = new IntentRetriever(rag.retrieverNamed(name), { fusion: config.query.fusion, subQueryDepth: config.query.subQueryDepth });
    // Retrieval alone: ingestion opens the embedder and the store, not the rerankers and readers (one down would
    // stop the evaluation).
    onProgress({ phase: 'ingest', done: 0 });
    const started = performance.now();
    const { documents, failed } = await rag.ingestPaths([dataset.corpusPath], {
      batchSize: 1000,
      onProgress: (done) => onProgress({ phase: 'ingest', done }),
    });
    const first = failed?.[0];
    // Scores over an incomplete index would mislead: stop and say why.
    if (first) throw new RagError('UNAVAILABLE', `OpenSearch refused ${failed?.length ?? 0} documents, e.g. "${first.id}": ${first.reason}`);
    if (documents === 0) throw new RagError('BAD_REQUEST', `nothing to evaluate in ${datasetDir}: ${dataset.corpusPath} holds no document`);
    // Searchable now, not within the refresh interval.
    await rag.search?.refresh();
    const ingestSeconds = (performance.now() - started) / 1000;

    const planner = rag.planner;
    const noise = options.noise ? new QueryNoise(options.noise) : null;
    onProgress({ phase: 'index', done: 0 });
    onProgress({ phase: 'index', done: rag.retriever.warm((done) => onProgress({ phase: 'index', done })) });
    if (config.query.denoise) rag.retriever.vocabulary().prepare();
    onProgress({ phase: 'query', done: 0, total: dataset.queries.length });

    const ndcg: number[] = [];
    const recall: number[] = [];
    const mrr: number[] = [];
    const allFound: number[] = [];
    const latency: number[] = [];
    const understood = { corrected_queries: 0, corrections: 0, decomposed_queries: 0 };
    for (const [i, query] of dataset.queries.entries()) {
      if (options.signal?.aborted) break;
      const text = noise ? noise.apply(query.text, query.id).text : query.text;
      const t0 = performance.now();
      const ctx = new RunContext();
      const plan = await planner.plan(text, ctx);
      const hits = await intents.retrieve(plan, { k: depth }, ctx);
      latency.push(performance.now() - t0);
      if (plan.corrections.length > 0) understood.corrected_queries++;
      understood.corrections += plan.corrections.length;
      if (plan.subQueries.length > 1) understood.decomposed_queries++;
      const ranked = documentRanking(hits.map((h) => h.docId), query.id);
      const rel = dataset.qrels.get(query.id) ?? new Map<string, number>();
      ndcg.push(ndcgAt(ranked, rel, 10));
      recall.push(recallAt(ranked, rel, 100));
      mrr.push(mrrAt(ranked, rel, 10));
      if (options.supportRecallK !== undefined) allFound.push(allFoundAt(ranked, rel, options.supportRecallK));
      if ((i + 1) % 50 === 0 || i + 1 === dataset.queries.length) {
        onProgress({ phase: 'query', done: i + 1, total: dataset.queries.length });
      }
    }
    const round = (x: number, d = 4): number => Number(x.toFixed(d));
    const space = rag.store.embeddingSpace();
    const report: RetrievalEvalReport = {
      dataset: datasetDir,
      split,
      backend,
      retriever: name,
      ...(space && name !== 'bm25' ? { embedder: { model: space.model, dimensions: space.dimensions } } : {}),
      'ndcg@10': round(mean(ndcg)),
      'recall@100': round(mean(recall)),
      'mrr@10': round(mean(mrr)),
      queries: dataset.queries.length,
      latency_ms: { p50: round(percentile(latency, 50), 3), p95: round(percentile(latency, 95), 3) },
      documents,
      chunks: rag.store.counts().chunks,
      ingest_docs_per_s: Math.round(documents / ingestSeconds),
      query: {
        noise: options.noise ?? null,
        denoise: config.query.denoise,
        decompose: config.query.decompose,
        fusion: config.query.fusion,
        ...understood,
      },
    };
    if (options.supportRecallK !== undefined) report.support_recall = { k: options.supportRecallK, all_found: round(mean(allFound)), retrieved_chunks: depth };
    if (options.perQuery) {
      report.per_query = dataset.queries.map((q, i) => ({ id: q.id, ndcg: round(ndcg[i] ?? 0), latency_ms: round(latency[i] ?? 0, 3) }));
    }
    return report;
  };
  try {
    return await untilAborted(work(), options.signal);
  } finally {
    await rag.search?.drop().catch(() => undefined);
    await rag.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
