import type { Config, RetrieverName } from './core/config.js';
import { RagError } from './core/errors.js';
import { RunContext } from './core/run-context.js';
import { TextMemo } from './core/text-memo.js';
import type { Span } from './core/trace.js';
import type { DocumentInput, MetadataFilter, PipelineResult, QueryPlan, ScoredChunk } from './core/types.js';
import type { Embedder } from './models/embedder.js';
import { ExtractiveReader } from './models/extractive-reader.js';
import { PipelineRegistry } from './pipelines/pipeline-registry.js';
import { QueryPlanner } from './query/query-planner.js';
import { LexicalReranker } from './rerankers/lexical-reranker.js';
import type { Reranker } from './rerankers/reranker.js';
import { Bm25Retriever } from './retrievers/bm25-retriever.js';
import { DenseRetriever } from './retrievers/dense-retriever.js';
import { HybridRetriever } from './retrievers/hybrid-retriever.js';
import type { Retriever } from './retrievers/retriever.js';
import { listSourceFiles, readDocumentBatches } from './store/document-sources.js';
import { describeSpace, sameSpace, spaceMismatch, spaceOf } from './store/embedding-space.js';
import { Ingestor } from './store/ingestor.js';
import { SqliteStore, type UpsertResult } from './store/sqlite-store.js';
import { backfillVectors, type BackfillResult } from './store/vector-backfill.js';

export interface RagOptions {
  /**
   * The embedding model behind dense and hybrid retrieval, built from the embedding settings by the caller (the
   * CLI, the server, an application). Rag loads it once (`open()`), stores a vector for every chunk it ingests,
   * and offers the dense and hybrid retrievers. Without one, only BM25 is available.
   */
  embedder?: Embedder;
}

export interface RetrieveRequest {
  query: string;
  k: number;
  filter?: MetadataFilter;
  /** bm25 (the default), dense or hybrid. */
  retriever?: RetrieverName;
}

export interface ReindexOptions {
  /** Drop every vector first and recompute all (after changing the embedding model). */
  rebuild?: boolean;
  /** Chunks per write transaction (default retrieval.dense.reindexBatchSize). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface QueryRequest {
  query: string;
  pipeline?: string;
  k?: number;
  filter?: MetadataFilter;
  contextTokens?: number;
}

export interface TraceView {
  totalMs: number;
  spans: Span[];
}

export interface QueryResponse extends PipelineResult {
  plan: QueryPlan;
  trace: TraceView;
}

export interface RetrieveResponse {
  plan: QueryPlan;
  hits: ScoredChunk[];
  trace: TraceView;
}

/**
 * The library API and the composition root: one store, its retriever, the pipelines, and the operations the
 * HTTP server, the CLI and embedding applications share.
 */
export class Rag {
  readonly store: SqliteStore;
  readonly ingestor: Ingestor;
  /** The BM25 retriever, always present. */
  readonly retriever: Bm25Retriever;
  /** Every available retriever by name: bm25, and dense and hybrid when an embedder is configured. */
  readonly retrievers: ReadonlyMap<RetrieverName, Retriever>;
  readonly embedder: Embedder | undefined;
  readonly planner = new QueryPlanner();
  readonly pipelines: PipelineRegistry;
  private opening: Promise<void> | null = null;
  private loading: Promise<void> | null = null;

  constructor(
    readonly config: Config,
    options: RagOptions = {},
  ) {
    this.embedder = options.embedder;
    this.store = new SqliteStore(config.store.path);
    const ingestorOptions = { ...config.chunking, maxDocumentChars: config.limits.maxDocumentChars, embedBatchSize: config.retrieval.dense.embedBatchSize };
    this.ingestor = new Ingestor(this.store, this.embedder ? { ...ingestorOptions, embedder: this.embedder } : ingestorOptions);
    this.retriever = new Bm25Retriever(this.store, config.retrieval.bm25);
    const retrievers = new Map<RetrieverName, Retriever>([['bm25', this.retriever]]);
    if (this.embedder) {
      const dense = new DenseRetriever(this.store, this.embedder);
      retrievers.set('dense', dense);
      retrievers.set('hybrid', new HybridRetriever(this.retriever, dense, config.retrieval.hybrid));
    }
    this.retrievers = retrievers;
    const memo = new TextMemo();
    const rerankers = new Map<string, Reranker>([['lexical', new LexicalReranker(memo)]]);
    try {
      this.pipelines = new PipelineRegistry(config.pipelines, config.defaultPipeline, {
        retrievers,
        rerankers,
        reader: new ExtractiveReader(memo),
        memo,
      });
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /**
   * Loads the embedder and checks the store's vectors against it: vectors from another model or dimension, or
   * chunks without a vector, are a CONFIG error that says how to fix it. Nothing to do without an embedder. Every
   * operation that needs it calls it (once); call it at start-up to fail there rather than at the first request.
   */
  async open(): Promise<void> {
    this.opening ??= this.checkVectors().catch((err: unknown) => {
      this.opening = null;
      throw err;
    });
    return this.opening;
  }

  /** A retriever by name; dense and hybrid exist only with an embedder. */
  retrieverNamed(name: RetrieverName): Retriever {
    const retriever = this.retrievers.get(name);
    if (!retriever) {
      throw new RagError('BAD_REQUEST', `retriever "${name}" needs an embedding model, and none is configured; available: ${[...this.retrievers.keys()].join(', ')}`);
    }
    return retriever;
  }

  async query(request: QueryRequest, ctx: RunContext = new RunContext()): Promise<QueryResponse> {
    const pipeline = this.pipelines.get(request.pipeline);
    await this.open();
    const plan = await this.plan(request.query, ctx);
    const options: { k?: number; filter?: MetadataFilter; contextTokens?: number } = {};
    if (request.k !== undefined) options.k = request.k;
    if (request.filter !== undefined) options.filter = request.filter;
    if (request.contextTokens !== undefined) options.contextTokens = request.contextTokens;
    const result = await pipeline.run(plan, options, ctx);
    return { ...result, plan, trace: ctx.trace.toJSON() };
  }

  async retrieve(request: RetrieveRequest, ctx: RunContext = new RunContext()): Promise<RetrieveResponse> {
    const retriever = this.retrieverNamed(request.retriever ?? 'bm25');
    await this.open();
    const plan = await this.plan(request.query, ctx);
    const options = request.filter ? { k: request.k, filter: request.filter } : { k: request.k };
    const hits = await retriever.retrieve(plan.corrected, options, ctx);
    return { plan, hits, trace: ctx.trace.toJSON() };
  }

  async ingest(documents: DocumentInput[], ctx?: RunContext): Promise<UpsertResult> {
    await this.open();
    return this.ingestor.ingest(documents, ctx);
  }

  delete(id: string): boolean {
    return this.store.delete(id);
  }

  /** Ingests files and folders in batches (each batch all or nothing), reporting documents done. */
  async ingestPaths(paths: string[], options: { batchSize?: number; onProgress?: (done: number) => void } = {}): Promise<UpsertResult> {
    await this.open();
    const files = await listSourceFiles(paths);
    const total: UpsertResult = { documents: 0, chunks: 0, version: this.store.version() };
    for await (const batch of readDocumentBatches(files, { batchSize: options.batchSize ?? 500 })) {
      const r = await this.ingestor.ingest(batch);
      total.documents += r.documents;
      total.chunks += r.chunks;
      total.version = r.version;
      options.onProgress?.(total.documents);
    }
    return total;
  }

  /**
   * Computes the vectors that chunks lack (`rag reindex --vectors`), in batches that each commit; with `rebuild`,
   * drops every vector first (after a change of embedding model). Needs an embedder.
   */
  async reindexVectors(options: ReindexOptions = {}, ctx?: RunContext): Promise<BackfillResult> {
    const embedder = this.embedder;
    if (!embedder) throw new RagError('CONFIG', 'computing vectors needs an embedding model, and no embedder is configured');
    await this.loadEmbedder(embedder);
    const backfill = {
      batchSize: options.batchSize ?? this.config.retrieval.dense.reindexBatchSize,
      embedBatchSize: this.config.retrieval.dense.embedBatchSize,
      ...(options.rebuild ? { rebuild: true } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    };
    this.opening = null;
    return backfillVectors(this.store, embedder, backfill, ctx);
  }

  /** Drops every vector and the recorded embedding model: to stop using dense retrieval on this store. */
  dropVectors(): void {
    this.store.dropVectors();
    this.opening = null;
  }

  /** Builds the in-memory index now so the first query is not the one that pays for it. */
  warm(): number {
    return this.retriever.warm();
  }

  close(): void {
    this.retriever.close();
    this.store.close();
  }

  private async checkVectors(): Promise<void> {
    const embedder = this.embedder;
    if (!embedder) return;
    await this.loadEmbedder(embedder);
    const space = spaceOf(embedder);
    const status = this.store.vectorStatus();
    if (status.space !== null && !sameSpace(status.space, space)) throw spaceMismatch(this.store.path, status.space, space);
    if (status.vectors < status.chunks) {
      const missing = status.chunks - status.vectors;
      throw new RagError(
        'CONFIG',
        `store ${this.store.path} has ${missing} of ${status.chunks} chunks without a vector for embedding model ${describeSpace(space)} ` +
          '(ingested before the embedder was configured, or a backfill was interrupted); compute them with `rag reindex --vectors`',
        { chunks: status.chunks, missing },
      );
    }
  }

  /** Loads the embedder once; a failed load is tried again next time (the model server may come up). */
  private async loadEmbedder(embedder: Embedder): Promise<void> {
    this.loading ??= embedder.load().catch((err: unknown) => {
      this.loading = null;
      throw err;
    });
    return this.loading;
  }

  private async plan(query: string, ctx: RunContext): Promise<QueryPlan> {
    const plan = await this.planner.plan(query, ctx);
    if (!/[\p{L}\p{N}]/u.test(plan.corrected)) {
      throw new RagError('BAD_REQUEST', 'query has no words to search for (letters or digits)');
    }
    return plan;
  }
}
