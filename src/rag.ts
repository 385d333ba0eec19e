import type { Config } from './core/config.js';
import { RagError } from './core/errors.js';
import { RunContext } from './core/run-context.js';
import { TextMemo } from './core/text-memo.js';
import type { Span } from './core/trace.js';
import type { DocumentInput, MetadataFilter, PipelineResult, QueryPlan, ScoredChunk } from './core/types.js';
import { createEmbedder } from './models/create-embedder.js';
import type { Embedder } from './models/embedder.js';
import { ExtractiveReader } from './models/extractive-reader.js';
import type { ModelComponent, ModelStatus } from './models/model-status.js';
import { PipelineRegistry } from './pipelines/pipeline-registry.js';
import { QueryPlanner } from './query/query-planner.js';
import { createReranker } from './rerankers/create-reranker.js';
import { LexicalReranker } from './rerankers/lexical-reranker.js';
import type { Reranker } from './rerankers/reranker.js';
import { Bm25Retriever } from './retrievers/bm25-retriever.js';
import { listSourceFiles, readDocumentBatches } from './store/document-sources.js';
import { Ingestor } from './store/ingestor.js';
import { SqliteStore, type UpsertResult } from './store/sqlite-store.js';

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
  readonly retriever: Bm25Retriever;
  readonly planner = new QueryPlanner();
  readonly pipelines: PipelineRegistry;
  /** The configured embedding model (`embeddings`), for dense retrieval; null when none is configured. */
  readonly embedder: (Embedder & ModelComponent) | null;
  /** Everything with a model to load at start-up (`init()`). */
  private readonly models: ModelComponent[] = [];

  constructor(readonly config: Config) {
    this.store = new SqliteStore(config.store.path);
    this.ingestor = new Ingestor(this.store, { ...config.chunking, maxDocumentChars: config.limits.maxDocumentChars });
    this.retriever = new Bm25Retriever(this.store, config.retrieval.bm25);
    const memo = new TextMemo();
    const rerankers = new Map<string, Reranker>([['lexical', new LexicalReranker(memo)]]);
    for (const [name, rc] of Object.entries(config.rerankers)) {
      const reranker = createReranker(name, rc);
      rerankers.set(name, reranker);
      this.models.push(reranker);
    }
    this.embedder = config.embeddings ? createEmbedder(config.embeddings) : null;
    if (this.embedder) this.models.push(this.embedder);
    this.pipelines = new PipelineRegistry(config.pipelines, config.defaultPipeline, {
      retriever: this.retriever,
      rerankers,
      reader: new ExtractiveReader(memo),
      memo,
    });
  }

  /**
   * Loads every configured model (and checks every model server) before the first request; a missing model folder
   * or an unreachable server stops the start with a message naming the path or URL. Returns what runs where.
   */
  async init(): Promise<ModelStatus[]> {
    await Promise.all(this.models.map((m) => m.load()));
    return this.modelStatus();
  }

  /** The loaded models: role, source, the execution provider that runs each, and any provider fallen back from. */
  modelStatus(): ModelStatus[] {
    return this.models.map((m) => m.status());
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
    const hits = await this.retriever.retrieve(plan.corrected, options, ctx);
    return { plan, hits, trace: ctx.trace.toJSON() };
  }

  async ingest(documents: DocumentInput[], ctx?: RunContext): Promise<UpsertResult> {
    return this.ingestor.ingest(documents, ctx);
  }

  delete(id: string): boolean {
    return this.store.delete(id);
  }

  /** Ingests files and folders in batches (each batch all or nothing), reporting documents done. */
  async ingestPaths(paths: string[], options: { batchSize?: number; onProgress?: (done: number) => void } = {}): Promise<UpsertResult> {
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

  /** Builds the in-memory index now so the first query is not the one that pays for it. */
  warm(): number {
    return this.retriever.warm();
  }

  close(): void {
    this.retriever.close();
    this.store.close();
    // Frees the ONNX sessions; nothing waits on it, as nothing can use them after close.
    for (const m of this.models) void m.dispose().catch(() => undefined);
  }

  private async plan(query: string, ctx: RunContext): Promise<QueryPlan> {
    const plan = await this.planner.plan(query, ctx);
    if (!/[\p{L}\p{N}]/u.test(plan.corrected)) {
      throw new RagError('BAD_REQUEST', 'query has no words to search for (letters or digits)');
    }
    return plan;
  }
}
