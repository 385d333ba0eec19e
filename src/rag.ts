import type { Redis } from 'ioredis';
import type { Config } from './core/config.js';
import { RagError } from './core/errors.js';
import { RunContext, type StageLogger } from './core/run-context.js';
import { TextMemo } from './core/text-memo.js';
import { MemoryCache } from './core/memory-cache.js';
import { RedisCache } from './core/redis-cache.js';
import { createRedis } from './core/redis-client.js';
import { cacheKey, type ResponseCache } from './core/response-cache.js';
import type { Span } from './core/trace.js';
import type { DocumentInput, MetadataFilter, Passage, PipelineResult, QueryPlan, ScoredChunk } from './core/types.js';
import { createEmbedder } from './models/create-embedder.js';
import type { Embedder } from './models/embedder.js';
import { ExtractiveReader } from './models/extractive-reader.js';
import { LlmGenerator } from './models/llm-generator.js';
import type { ModelComponent, ModelStatus } from './models/model-status.js';
import { OpenAiChatClient } from './models/openai-chat-client.js';
import type { Reader } from './models/reader.js';
import type { PipelineRunOptions } from './pipelines/pipeline.js';
import { PipelineRegistry } from './pipelines/pipeline-registry.js';
import { LlmQueryRewriter } from './query/llm-query-rewriter.js';
import { QueryPlanner } from './query/query-planner.js';
import { buildRefiner } from './refiner/create-refiner.js';
import { estimateTokenCounter } from './refiner/token-counter.js';
import { createReranker } from './rerankers/create-reranker.js';
import { LexicalReranker } from './rerankers/lexical-reranker.js';
import { LlmReranker } from './rerankers/llm-reranker.js';
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
  /** True when the response came from the cache (same request, same index version). */
  cached?: boolean;
}

export interface RetrieveResponse {
  plan: QueryPlan;
  hits: ScoredChunk[];
  trace: TraceView;
  cached?: boolean;
}

/** Events of a streamed query, in the order they come. */
export type QueryEvent =
  | { event: 'plan'; data: QueryPlan }
  | { event: 'sources'; data: { passages: Passage[] } }
  | { event: 'token'; data: { text: string } }
  | {
      event: 'candidate';
      data: { pipeline: string; answer: string; confidence: number; entropy: number; normalizedEntropy: number; abstained: boolean };
    }
  | { event: 'answer'; data: PipelineResult & { plan: QueryPlan } }
  | { event: 'done'; data: { trace: TraceView } };

export interface RagOptions {
  /** Where components report trouble (e.g. the cache losing Redis); silent by default. */
  log?: StageLogger;
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
  /** Null when caching is off. */
  readonly cache: ResponseCache | null;
  /** The Redis connection shared by the cache and the rate limits; null without `redis.url`. */
  readonly redis: Redis | null;
  /** The chat client when an `llm` section is configured. */
  readonly llm: OpenAiChatClient | undefined;
  /** The configured embedding model (`embeddings`), for dense retrieval; null when none is configured. */
  readonly embedder: (Embedder & ModelComponent) | null;
  /** Everything with a model to load at start-up (`init()`). */
  private readonly models: ModelComponent[] = [];

  constructor(
    readonly config: Config,
    options: RagOptions = {},
  ) {
    this.store = new SqliteStore(config.store.path);
    this.ingestor = new Ingestor(this.store, { ...config.chunking, maxDocumentChars: config.limits.maxDocumentChars });
    this.retriever = new Bm25Retriever(this.store, { ...config.retrieval.bm25, vocabulary: config.query.denoise });
    this.llm = config.llm ? new OpenAiChatClient(config.llm) : undefined;
    const llm = this.llm;
    if (config.query.rewriter === 'llm' && !llm) {
      throw new RagError('CONFIG', 'query.rewriter: "llm" needs an llm section (the server to ask)');
    }
    this.planner = new QueryPlanner(config.query, {
      vocabulary: () => this.retriever.vocabulary(),
      ...(config.query.rewriter === 'llm' && llm ? { rewriter: new LlmQueryRewriter((m, o, ctx) => llm.chat(m, o, ctx)) } : {}),
    });
    this.intents = new IntentRetriever(this.retriever, { fusion: config.query.fusion, subQueryDepth: config.query.subQueryDepth });
    const memo = new TextMemo();
    const rerankers = new Map<string, Reranker>([['lexical', new LexicalReranker(memo)]]);
    const readers = new Map<string, Reader>([['extractive', new ExtractiveReader(memo)]]);
    if (this.llm && config.llm) {
      const { topLogprobs, temperature, maxTokens, rerank } = config.llm;
      rerankers.set('llm', new LlmReranker(this.llm, rerank));
      readers.set('llm', new LlmGenerator(this.llm, { topLogprobs, temperature, maxTokens }));
    }
    for (const [name, rc] of Object.entries(config.rerankers)) {
      const reranker = createReranker(name, rc);
      rerankers.set(name, reranker);
      this.models.push(reranker);
    }
    this.embedder = config.embeddings ? createEmbedder(config.embeddings) : null;
    if (this.embedder) this.models.push(this.embedder);
    this.pipelines = new PipelineRegistry(config.pipelines, config.defaultPipeline, {
      retriever: this.retriever,
      intents: this.intents,
      rerankers,
      readers,
      memo,
      refiner: {
        // Budgets in the calibrated estimate here; refiner.tokenizerPath is used by `rag eval refine` and the bench.
        refiner: buildRefiner(config.refiner, { rerankers, memo, ...(llm ? { chat: (m, o, ctx) => llm.chat(m, o, ctx) } : {}) }, estimateTokenCounter),
        document: (id) => this.store.getDocument(id),
        maxDocuments: config.refiner.maxDocuments,
      },
    });
    const log = options.log ?? { debug: () => undefined, warn: () => undefined };
    this.redis = config.redis.url ? createRedis({ ...config.redis, url: config.redis.url }, log) : null;
    this.cache = !config.cache.enabled
      ? null
      : this.redis
        ? new RedisCache(this.redis, log)
        : new MemoryCache(config.cache.maxEntries);
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
    return this.cached('query', { ...request, pipeline: pipeline.name }, ctx, async () => {
      const plan = await this.plan(request.query, ctx);
      const result = await pipeline.run(plan, runOptions(request), ctx);
      return { ...result, plan, trace: ctx.trace.toJSON() };
    });
  }

  /**
   * The query as a stream of events: the plan, the sources (before any answer text), the answer's text as it is
   * written, the pipeline's candidate, the full answer, and the trace at the end. Not cached.
   */
  async *stream(request: QueryRequest, ctx: RunContext = new RunContext()): AsyncGenerator<QueryEvent, void, undefined> {
    const pipeline = this.pipelines.get(request.pipeline);
    const plan = await this.plan(request.query, ctx);
    yield { event: 'plan', data: plan };
    const run = pipeline.stream(plan, runOptions(request), ctx);
    let next = await run.next();
    while (!next.done) {
      const e = next.value;
      yield e.type === 'sources' ? { event: 'sources', data: { passages: e.passages } } : { event: 'token', data: { text: e.text } };
      next = await run.next();
    }
    const result = next.value;
    const { answer, confidence, entropy, normalizedEntropy, abstained } = result;
    yield { event: 'candidate', data: { pipeline: result.pipeline, answer, confidence, entropy, normalizedEntropy, abstained } };
    yield { event: 'answer', data: { ...result, plan } };
    yield { event: 'done', data: { trace: ctx.trace.toJSON() } };
  }

  async retrieve(request: { query: string; k: number; filter?: MetadataFilter }, ctx: RunContext = new RunContext()): Promise<RetrieveResponse> {
    return this.cached('retrieve', request, ctx, async () => {
      const plan = await this.plan(request.query, ctx);
      const options = request.filter ? { k: request.k, filter: request.filter } : { k: request.k };
      const hits = await this.intents.retrieve(plan, options, ctx);
      return { plan, hits, trace: ctx.trace.toJSON() };
    });
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

  /**
   * Waits (up to `timeoutMs`) for the Redis connection, so the first requests are cached and counted; false when
   * Redis did not answer in time, and the server then starts degraded (uncached, limits open) and reconnects.
   */
  async connect(timeoutMs = 2000): Promise<boolean> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return true;
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        resolve(ok);
      };
      const onReady = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      redis.on('ready', onReady);
    });
  }

  /** Builds the in-memory index now so the first query is not the one that pays for it. */
  warm(): number {
    const chunks = this.retriever.warm();
    // The spelling corrector's candidate index too, so the first misspelt query does not pay for it.
    if (this.config.query.denoise) this.retriever.vocabulary().prepare();
    return chunks;
  }

  /** Closes the store at once (synchronously, before the first await) and then the cache's connection. */
  async close(): Promise<void> {
    this.retriever.close();
    this.store.close();
    // Frees the ONNX sessions; nothing waits on it, as nothing can use them after close.
    for (const m of this.models) void m.dispose().catch(() => undefined);
    await this.cache?.close();
    this.redis?.disconnect();
  }

  /**
   * Serves a response from the cache when the same request was answered at the same index version; otherwise
   * computes it and stores it without its trace. A hit still answers with this request's own trace.
   */
  private async cached<T extends { trace: TraceView; cached?: boolean }>(
    operation: string,
    request: object,
    ctx: RunContext,
    compute: () => Promise<T>,
  ): Promise<T> {
    const cache = this.cache;
    if (!cache) return compute();
    const key = cacheKey(operation, request, this.store.version());
    const hit = await ctx.span('cache.get', () => cache.get(key), (v) => ({ hit: v !== undefined, backend: cache.kind }));
    if (hit !== undefined) return { ...(JSON.parse(hit) as T), cached: true, trace: ctx.trace.toJSON() };
    const result = await compute();
    const { trace: _trace, ...body } = result;
    void cache.set(key, JSON.stringify(body), this.config.cache.ttlSeconds);
    return result;
  }

  private async plan(query: string, ctx: RunContext): Promise<QueryPlan> {
    const plan = await this.planner.plan(query, ctx);
    if (!/[\p{L}\p{N}]/u.test(plan.corrected)) {
      throw new RagError('BAD_REQUEST', 'query has no words to search for (letters or digits)');
    }
    return plan;
  }
}

/** The per-request pipeline knobs of a query request. */
function runOptions(request: QueryRequest): PipelineRunOptions {
  const options: PipelineRunOptions = {};
  if (request.k !== undefined) options.k = request.k;
  if (request.filter !== undefined) options.filter = request.filter;
  if (request.contextTokens !== undefined) options.contextTokens = request.contextTokens;
  return options;
}
