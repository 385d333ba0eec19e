import type { Config } from './core/config.js';
import { RagError } from './core/errors.js';
import { RunContext } from './core/run-context.js';
import { TextMemo } from './core/text-memo.js';
import type { Span } from './core/trace.js';
import type { DocumentInput, MetadataFilter, PipelineResult, QueryPlan, ScoredChunk } from './core/types.js';
import { ExtractiveReader } from './models/extractive-reader.js';
import { PipelineRegistry } from './pipelines/pipeline-registry.js';
import { QueryPlanner } from './query/query-planner.js';
import { LexicalReranker } from './rerankers/lexical-reranker.js';
import type { Reranker } from './rerankers/reranker.js';
import { Bm25Retriever } from './retrievers/bm25-retriever.js';
import { IntentRetriever } from './retrievers/intent-retriever.js';
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
  readonly planner: QueryPlanner;
  /** Retrieval driven by the plan: the whole query and each sub-query, fused. */
  readonly intents: IntentRetriever;
  readonly pipelines: PipelineRegistry;

  constructor(readonly config: Config) {
    this.store = new SqliteStore(config.store.path);
    this.ingestor = new Ingestor(this.store, { ...config.chunking, maxDocumentChars: config.limits.maxDocumentChars });
    this.retriever = new Bm25Retriever(this.store, { ...config.retrieval.bm25, vocabulary: config.query.denoise });
    this.planner = new QueryPlanner(config.query, { vocabulary: () => this.retriever.vocabulary() });
    this.intents = new IntentRetriever(this.retriever, { fusion: config.query.fusion, subQueryDepth: config.query.subQueryDepth });
    const memo = new TextMemo();
    const rerankers = new Map<string, Reranker>([['lexical', new LexicalReranker(memo)]]);
    this.pipelines = new PipelineRegistry(config.pipelines, config.defaultPipeline, {
      retriever: this.retriever,
      intents: this.intents,
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
    const hits = await this.intents.retrieve(plan, options, ctx);
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
    const chunks = this.retriever.warm();
    // The spelling corrector's candidate index too, so the first misspelt query does not pay for it.
    if (this.config.query.denoise) this.retriever.vocabulary().prepare();
    return chunks;
  }

  close(): void {
    this.retriever.close();
    this.store.close();
  }

  private async plan(query: string, ctx: RunContext): Promise<QueryPlan> {
    const plan = await this.planner.plan(query, ctx);
    if (!/[\p{L}\p{N}]/u.test(plan.corrected)) {
      throw new RagError('BAD_REQUEST', 'query has no words to search for (letters or digits)');
    }
    return plan;
  }
}
