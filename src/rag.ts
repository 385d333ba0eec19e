import type { Config } from './core/config.js';
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
import { buildOpenSearchRetriever } from './retrievers/opensearch-retriever-factory.js';
import type { Retriever } from './retrievers/retriever.js';
import { listSourceFiles, readDocumentBatches } from './store/document-sources.js';
import { Ingestor } from './store/ingestor.js';
import { OpenSearchStore, type WriteFailure } from './store/opensearch-store.js';
import { SqliteStore, type UpsertResult } from './store/sqlite-store.js';

export interface QueryRequest {
  query: string;
  pipeline?: string;
  k?: number;
  filter?: MetadataFilter;
  contextTokens?: number;
}

export interface RagOptions {
  /** Embeds chunks and queries for k-NN retrieval (opensearch.mode "knn" or "hybrid"). */
  embedder?: Embedder;
}

/** An ingestion's outcome; `failed` lists documents the search backend refused (the others are stored). */
export interface IngestResult extends UpsertResult {
  failed?: WriteFailure[];
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
  readonly retriever: Bm25Retriever;
  /**
   * The OpenSearch collection when retrieval.backend is "opensearch". The SQLite store stays the record of
   * documents (structure trees, GET /v1/documents, rebuilds, the fallback); OpenSearch is searched.
   */
  readonly search: OpenSearchStore | null;
  /** The retriever queries use: the embedded BM25, or OpenSearch's (with its fallback). */
  readonly queryRetriever: Retriever;
  readonly planner = new QueryPlanner();
  readonly pipelines: PipelineRegistry;

  constructor(
    readonly config: Config,
    options: RagOptions = {},
  ) {
    this.store = new SqliteStore(config.store.path);
    this.ingestor = new Ingestor(this.store, { ...config.chunking, maxDocumentChars: config.limits.maxDocumentChars });
    this.retriever = new Bm25Retriever(this.store, config.retrieval.bm25);
    this.search = config.retrieval.backend === 'opensearch' ? OpenSearchStore.fromConfig(config, { embedder: options.embedder ?? null }) : null;
    this.queryRetriever = this.search ? buildOpenSearchRetriever(config, this.search, this.retriever) : this.retriever;
    const memo = new TextMemo();
    const rerankers = new Map<string, Reranker>([['lexical', new LexicalReranker(memo)]]);
    this.pipelines = new PipelineRegistry(config.pipelines, config.defaultPipeline, {
      retriever: this.queryRetriever,
      rerankers,
      reader: new ExtractiveReader(memo),
      memo,
    });
  }

  async query(request: QueryRequest, ctx: RunContext = new RunContext()): Promise<QueryResponse> {
    const pipeline = this.pipelines.get(request.pipeline);
    const plan = await this.plan(request.query, ctx);
    const options: { k?: number; filter?: MetadataFilter; contextTokens?: number } = {};
    if (request.k !== undefined) options.k = request.k;
    if (request.filter !== undefined) options.filter = request.filter;
    if (request.contextTokens !== undefined) options.contextTokens = request.contextTokens;
    const result = await pipeline.run(plan, options, ctx);
    return { ...result, plan, trace: ctx.trace.toJSON() };
  }

  async retrieve(request: { query: string; k: number; filter?: MetadataFilter }, ctx: RunContext = new RunContext()): Promise<RetrieveResponse> {
    const plan = await this.plan(request.query, ctx);
    const options = request.filter ? { k: request.k, filter: request.filter } : { k: request.k };
    const hits = await this.queryRetriever.retrieve(plan.corrected, options, ctx);
    return { plan, hits, trace: ctx.trace.toJSON() };
  }

  async ingest(documents: DocumentInput[], ctx?: RunContext): Promise<IngestResult> {
    if (!this.search) return this.ingestor.ingest(documents, ctx);
    const run = ctx ?? new RunContext();
    const prepared = await run.span('ingest.prepare', () => this.ingestor.prepare(documents, run), (p) => ({ documents: p.length }));
    // OpenSearch first: a document it refuses is not stored at all, so the two never disagree about what exists.
    const search = this.search;
    const written = await run.span('ingest.opensearch', () => search.write(prepared, { ctx: run }), (w) => ({ chunks: w.chunks, failed: w.failed.length }));
    const failed = new Set(written.failed.map((f) => f.id));
    const stored = prepared.filter((d) => !failed.has(d.id));
    const result = await run.span('ingest.write', () => (stored.length > 0 ? this.store.upsert(stored) : { documents: 0, chunks: 0, version: this.store.version() }), (r) => ({
      chunks: r.chunks,
    }));
    return written.failed.length > 0 ? { ...result, failed: written.failed } : result;
  }

  /** Deletes from the embedded store only; `deleteDocument` covers every backend. */
  delete(id: string): boolean {
    return this.store.delete(id);
  }

  /** Deletes a document wherever it is indexed (OpenSearch first); false when there was no such document. */
  async deleteDocument(id: string): Promise<boolean> {
    const inSearch = this.search ? await this.search.delete(id) : false;
    return this.store.delete(id) || inSearch;
  }

  /**
   * Rebuilds the OpenSearch collection from the store into a fresh index and switches the alias to it: after a
   * mapping or analyser change, a new embedder, or a lost cluster.
   */
  async rebuildSearchIndex(onProgress?: (documents: number) => void): Promise<{ index: string; documents: number; chunks: number; failed: WriteFailure[] }> {
    if (!this.search) throw new RagError('CONFIG', 'retrieval.backend is not "opensearch": there is no search index to rebuild');
    return this.search.rebuild(this.store.preparedDocuments(), onProgress ? { onProgress } : {});
  }

  /**
   * Connects to OpenSearch and sets the collection up; a collection created just now is filled from the store.
   * Returns why OpenSearch is unavailable (the server still starts, and /readyz says so), or null.
   */
  async connectSearch(log?: (message: string) => void): Promise<string | null> {
    if (!this.search) return null;
    try {
      const { created, index } = await this.search.ensureCollection();
      if (created && this.store.counts().documents > 0) {
        log?.(`new OpenSearch index ${index}: indexing the store's ${this.store.counts().documents} documents`);
        for (const batch of this.store.preparedDocuments()) await this.search.write(batch, { refresh: false });
        await this.search.refresh();
      }
      return null;
    } catch (err) {
      // Unreachable is a state the server recovers from; a collection that does not fit (CONFIG) is not.
      if (err instanceof RagError && err.code !== 'UNAVAILABLE') throw err;
      return err instanceof Error ? err.message : String(err);
    }
  }

  /** Ingests files and folders in batches (each batch all or nothing), reporting documents done. */
  async ingestPaths(paths: string[], options: { batchSize?: number; onProgress?: (done: number) => void } = {}): Promise<IngestResult> {
    const files = await listSourceFiles(paths);
    const total: IngestResult = { documents: 0, chunks: 0, version: this.store.version() };
    for await (const batch of readDocumentBatches(files, { batchSize: options.batchSize ?? 500 })) {
      const r = await this.ingest(batch);
      total.documents += r.documents;
      total.chunks += r.chunks;
      total.version = r.version;
      if (r.failed) total.failed = [...(total.failed ?? []), ...r.failed];
      options.onProgress?.(total.documents);
    }
    return total;
  }

  /** Builds the in-memory index now so the first query is not the one that pays for it. */
  warm(): number {
    // OpenSearch answers the queries: the embedded postings are needed only as its fallback.
    if (this.search && this.config.opensearch.fallback === 'none') return 0;
    return this.retriever.warm();
  }

  close(): void {
    this.retriever.close();
    this.store.close();
    void this.search?.close();
  }

  private async plan(query: string, ctx: RunContext): Promise<QueryPlan> {
    const plan = await this.planner.plan(query, ctx);
    if (!/[\p{L}\p{N}]/u.test(plan.corrected)) {
      throw new RagError('BAD_REQUEST', 'query has no words to search for (letters or digits)');
    }
    return plan;
  }
}
