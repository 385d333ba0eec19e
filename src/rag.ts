import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Config, LlmConfig, RetrieverName } from './core/config.js';
import { CONTEXT_TOKENS, RetrieverNameSchema } from './core/config-schema.js';
import { rerankerNamesOf, retrieverNamesOf } from './core/module-ensembles.js';
import { RagError, isRagError } from './core/errors.js';
import { longerThan } from './core/char-count.js';
import { RunContext, type StageLogger } from './core/run-context.js';
import type { RagCallOptions } from './client/rag-backend.js';
import { TextMemo } from './core/text-memo.js';
import { MemoryCache } from './core/memory-cache.js';
import { RedisCache } from './core/redis-cache.js';
import { createRedis } from './core/redis-client.js';
import { cacheKey, configDigest, type ResponseCache } from './core/response-cache.js';
import type { Span } from './core/trace.js';
import type { Degradation, DocumentInput, MetadataFilter, Passage, PipelineResult, QueryPlan, ScoredChunk } from './core/types.js';
import { createEmbedder } from './models/create-embedder.js';
import type { Embedder } from './models/embedder.js';
import { BridgeReader } from './models/bridge-reader.js';
import { ExtractiveReader } from './models/extractive-reader.js';
import { FallbackReader } from './models/fallback-reader.js';
import { LlmGenerator } from './models/llm-generator.js';
import type { ModelComponent, ModelStatus } from './models/model-status.js';
import type { ModelProbe } from './models/model-probe.js';
import { OpenAiChatClient } from './models/openai-chat-client.js';
import type { Reader } from './models/reader.js';
import type { Pipeline, PipelineRunOptions } from './pipelines/pipeline.js';
import { PipelineRegistry } from './pipelines/pipeline-registry.js';
import { EnsembleRegistry } from './ensemble/ensemble-registry.js';
import type { GenerativeEnsembleResult } from './ensemble/generative-ensemble.js';
import type { EnsembleMember } from './ensemble/pipeline-ensemble.js';
import { LlmQueryRewriter } from './query/llm-query-rewriter.js';
import { whileBusy } from './store/while-busy.js';
import { EnglishWords } from './query/english-words.js';
import { QueryPlanner } from './query/query-planner.js';
import { buildRefiner } from './refiner/create-refiner.js';
import { estimateTokenCounter } from './refiner/token-counter.js';
import { createReranker } from './rerankers/create-reranker.js';
import { LexicalReranker } from './rerankers/lexical-reranker.js';
import { LlmReranker } from './rerankers/llm-reranker.js';
import type { Reranker } from './rerankers/reranker.js';
import { Bm25Retriever } from './retrievers/bm25-retriever.js';
import { DenseRetriever } from './retrievers/dense-retriever.js';
import { HybridRetriever } from './retrievers/hybrid-retriever.js';
import { IntentRetriever } from './retrievers/intent-retriever.js';
import { buildOpenSearchRetriever } from './retrievers/opensearch-retriever-factory.js';
import type { Retriever } from './retrievers/retriever.js';
import { documentOrigin, fileDocumentId, listSourceFiles, readDocumentBatches } from './store/document-sources.js';
import { describeSpace, spaceOf, type EmbeddingSpace } from './store/embedding-space.js';
import { checkLegacySpace, SAME_MODEL_COSINE, type LegacyTakeover } from './store/legacy-space-check.js';
import { Ingestor, skippedOf, type IngestorOptions, type PrepareOptions } from './store/ingestor.js';
import { StructurePool } from './store/structure-pool.js';
import { unknownName } from './pipelines/wrong-kind.js';
import { checkFilter } from './core/metadata-filter.js';
import { LlmTreeStructurer } from './store/llm-tree-structurer.js';
import { OpenSearchStore, type Refill, type WriteFailure } from './store/opensearch-store.js';
import { SqliteStore, type FtsUpgrade, type PreparedDocument, type UpsertResult } from './store/sqlite-store.js';
import { addStructureReports, structureReport, type StructureReport } from './store/structure-report.js';
import { backfillVectors, type BackfillResult } from './store/vector-backfill.js';

export interface RagOptions {
  /**
   * The embedding model behind dense and hybrid retrieval, when the caller builds it (an application, tests);
   * otherwise the `embeddings` settings build it. Rag loads it once (`open()`), stores a vector for every chunk it
   * ingests, and offers the dense and hybrid retrievers (on OpenSearch, its k-NN and hybrid modes). Without one,
   * only BM25 is available.
   */
  embedder?: Embedder;
  /** Where components report trouble (e.g. the cache losing Redis); silent by default. */
  log?: StageLogger;
}

export interface RetrieveRequest {
  query: string;
  /** Chunks to return (default 10, as over HTTP). */
  k?: number;
  filter?: MetadataFilter;
  /**
   * bm25, dense or hybrid (dense and hybrid need an embedder); by default the configured retrieval: bm25, or with
   * OpenSearch its opensearch.mode.
   */
  retriever?: RetrieverName;
}

/** Chunks a retrieval returns when the request does not say (no more than limits.maxK). */
export const DEFAULT_RETRIEVE_K = 10;

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
  /** A configured ensemble instead of one pipeline (not with `pipeline`). */
  ensemble?: string;
  k?: number;
  filter?: MetadataFilter;
  contextTokens?: number;
}

/**
 * An ingestion's outcome; `failed` lists documents the search backend refused (the others are stored);
 * `structure` says which structurer built the trees when `refiner.structure` is "llm".
 */
export interface IngestResult extends UpsertResult {
  failed?: WriteFailure[];
  structure?: StructureReport;
  /** Files found in a folder that were not ingested (one holding no text), and why. */
  skipped?: Array<{ file: string; reason: string }>;
}

export interface TraceView {
  totalMs: number;
  spans: Span[];
}

export interface QueryResponse extends PipelineResult, Partial<Omit<GenerativeEnsembleResult, keyof PipelineResult>> {
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
  /** A stand-in retrieved (the embedded BM25 for an unavailable OpenSearch), and why. */
  degraded?: Degradation;
}

/** Events of a streamed query, in the order they come. */
export type QueryEvent =
  | { event: 'plan'; data: QueryPlan }
  | { event: 'sources'; data: { passages: Passage[] } }
  | { event: 'token'; data: { text: string } }
  | {
      event: 'candidate';
      data: { pipeline: string; answer: string; confidence: number; entropy: number; normalizedEntropy: number; abstained: boolean; weight?: number };
    }
  | { event: 'answer'; data: PipelineResult & { plan: QueryPlan } }
  | { event: 'done'; data: { trace: TraceView } };

/**
 * The library API and the composition root: one store, its retriever, the pipelines, and the operations the
 * HTTP server, the CLI and embedding applications share.
 */
export class Rag {
  readonly store: SqliteStore;
  readonly ingestor: Ingestor;
  private readonly structurePool: StructurePool;
  /** The BM25 retriever, always present. */
  readonly retriever: Bm25Retriever;
  /** Every available retriever by name: bm25, and dense and hybrid when an embedder is configured. */
  readonly retrievers: ReadonlyMap<RetrieverName, Retriever>;
  readonly planner: QueryPlanner;
  /** Plan-driven retrieval (the whole query and each sub-query, fused) over each retriever, as pipelines name them. */
  private readonly intents: ReadonlyMap<RetrieverName, IntentRetriever>;
  /** The same for a retrieval request that names its retriever: with OpenSearch, "bm25" is BM25 whatever the mode. */
  private readonly namedIntents: ReadonlyMap<RetrieverName, IntentRetriever>;
  /** The last ingestion or deletion queued: the next one starts after it (see `ingest`). */
  private writes: Promise<unknown> = Promise.resolve();
  /** Queries, retrievals and writes under way, which `close()` waits for. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;
  /**
   * The OpenSearch collection when retrieval.backend is "opensearch". The SQLite store stays the record of
   * documents (structure trees, GET /v1/documents, rebuilds, the fallback); OpenSearch is searched.
   */
  readonly search: OpenSearchStore | null;
  /** The retriever "bm25" queries use: the embedded BM25, or OpenSearch's (with its fallback). */
  readonly queryRetriever: Retriever;
  readonly pipelines: PipelineRegistry;
  readonly ensembles: EnsembleRegistry;
  /** Null when caching is off. */
  readonly cache: ResponseCache | null;
  /** The Redis connection shared by the cache and the rate limits; null without `redis.url`. */
  readonly redis: Redis | null;
  /** The chat client when an `llm` section is configured. */
  readonly llm: OpenAiChatClient | undefined;
  /** The embedding model behind dense and hybrid retrieval (`embeddings`, or given); undefined when none. */
  readonly embedder: Embedder | undefined;
  /** Everything with a model to load at start-up (`init()`). */
  private readonly models: ModelComponent[] = [];
  /** The embedder when the configuration built it: listed among the models, loaded by open(). */
  private readonly embedderModel: ModelComponent | undefined;
  private opening: Promise<void> | null = null;
  private loading: Promise<void> | null = null;
  /** The configuration's digest, in every cache key: an answer computed under other settings is another entry. */
  private readonly configDigest: string;
  private readonly log: StageLogger;

  constructor(
    readonly config: Config,
    options: RagOptions = {},
  ) {
    this.configDigest = configDigest(config);
    this.log = options.log ?? { debug: () => undefined, warn: () => undefined };
    const fromConfig = !options.embedder && config.embeddings ? createEmbedder(config.embeddings) : undefined;
    this.embedder = options.embedder ?? fromConfig;
    this.embedderModel = fromConfig;
    if (fromConfig) this.models.push(fromConfig);
    this.llm = config.llm ? new OpenAiChatClient(config.llm) : undefined;
    const llm = this.llm;
    if (config.refiner.structure === 'llm' && !llm) {
      throw new RagError('CONFIG', 'refiner.structure: "llm" needs an llm section (at least llm.baseUrl and llm.model)');
    }
    this.store = new SqliteStore(config.store.path);
    this.noteFtsUpgrade(this.store.ftsUpgrade, config.retrieval.bm25.engine === 'fts5');
    const ingestorOptions: IngestorOptions = { ...config.chunking, maxDocumentChars: config.limits.maxDocumentChars, embedBatchSize: config.retrieval.dense.embedBatchSize };
    if (this.embedder) ingestorOptions.embedder = this.embedder;
    if (config.refiner.structure === 'llm' && llm) ingestorOptions.structurer = new LlmTreeStructurer((m, o, ctx) => llm.chat(m, o, ctx), config.refiner.llmStructure);
    this.structurePool = new StructurePool({ threads: config.ingest.parseThreads, fromChars: config.ingest.parseInThreadFromChars });
    ingestorOptions.structurePool = this.structurePool;
    this.ingestor = new Ingestor(this.store, ingestorOptions);
    this.retriever = new Bm25Retriever(this.store, { ...config.retrieval.bm25, vocabulary: config.query.denoise });
    this.search = config.retrieval.backend === 'opensearch' ? OpenSearchStore.fromConfig(config, { embedder: this.embedder ?? null }) : null;
    // A collection created while running (its index deleted, a cluster that lost its data) is filled from the store.
    this.search?.refillFrom(this.refill());
    // With OpenSearch, pipelines' "bm25" (their default) is opensearch.mode, the cluster's configured retrieval, as
    // it always was; "dense" and "hybrid" are its k-NN and fusion when an embedder is configured (all with the
    // fallback). A /v1/retrieve request that names a retriever gets exactly that one (`named` below).
    const search = this.search;
    this.queryRetriever = search ? buildOpenSearchRetriever(config, search, this.retriever) : this.retriever;
    const retrievers = new Map<RetrieverName, Retriever>([['bm25', this.queryRetriever]]);
    const named = new Map<RetrieverName, Retriever>();
    if (search) {
      const onCluster = (mode: 'bm25' | 'knn' | 'hybrid'): Retriever =>
        mode === config.opensearch.mode ? this.queryRetriever : buildOpenSearchRetriever(config, search, this.retriever, mode);
      named.set('bm25', onCluster('bm25'));
      if (this.embedder) {
        retrievers.set('dense', onCluster('knn'));
        retrievers.set('hybrid', onCluster('hybrid'));
      }
    }
    if (this.embedder && !this.search) {
      const dense = new DenseRetriever(this.store, this.embedder);
      retrievers.set('dense', dense);
      const members = [
        { name: 'bm25', retriever: this.retriever },
        { name: 'dense', retriever: dense },
      ];
      retrievers.set('hybrid', new HybridRetriever(members, config.retrieval.hybrid));
    }
    this.retrievers = retrievers;
    const intentOptions = { fusion: config.query.fusion, subQueryDepth: config.query.subQueryDepth };
    this.intents = new Map([...retrievers].map(([name, r]) => [name, new IntentRetriever(r, intentOptions)]));
    this.namedIntents = new Map([...this.intents, ...[...named].map(([name, r]) => [name, new IntentRetriever(r, intentOptions)] as const)]);
    if (config.query.rewriter === 'llm' && !llm) {
      throw new RagError('CONFIG', 'query.rewriter: "llm" needs an llm section (the server to ask)');
    }
    this.planner = new QueryPlanner(config.query, {
      vocabulary: () => this.retriever.vocabulary(),
      ...(config.query.rewriter === 'llm' && llm ? { rewriter: new LlmQueryRewriter((m, o, ctx) => llm.chat(m, o, ctx)) } : {}),
    });
    const memo = new TextMemo();
    const rerankers = new Map<string, Reranker>([['lexical', new LexicalReranker(memo)]]);
    // Sentences by default; short factoid spans (names, dates, numbers) as an opt-in generator, since they help
    // factoid sets but hurt long-form ones (measured: hotpotqa F1 up, liverag-datamorgana F1 down).
    const extractive = new ExtractiveReader(memo);
    const spanOptions = { maxCandidates: 8, temperature: 0.08, spanSentences: 5 };
    const spans = new ExtractiveReader(memo, { ...spanOptions, spans: 'auto' });
    const readers = new Map<string, Reader>([
      ['extractive', extractive],
      ['extractive-spans', spans],
      // Factoid spans read from the passages the question's subject links to (the second hop) only.
      ['extractive-bridge', new BridgeReader(memo, spans)],
      // Factoid spans, but for "who/which/where" the linked passages' titles (multi-hop bridge entities) first.
      ['extractive-linked', new ExtractiveReader(memo, { ...spanOptions, spans: 'linked' })],
    ]);
    if (this.llm && config.llm) {
      const { rerank, fallback, fallbackReserveMs } = config.llm;
      // A hung or absent LLM keeps the retrieval order (flagged) rather than spend the request's deadline.
      rerankers.set('llm', new LlmReranker(this.llm, fallback === 'extractive' ? { ...rerank, fallback: { reserveMs: fallbackReserveMs } } : rerank));
      const generator = new LlmGenerator(this.llm, generation(config.llm));
      // A hung or absent LLM costs the answer its prose, not the request: the extractive reader stands in.
      readers.set('llm', fallback === 'extractive' ? new FallbackReader(generator, extractive, { reserveMs: fallbackReserveMs }) : generator);
    }
    for (const [name, rc] of Object.entries(config.rerankers)) {
      const reranker = createReranker(name, rc);
      rerankers.set(name, reranker);
      this.models.push(reranker);
    }
    try {
      this.pipelines = new PipelineRegistry(config.pipelines, config.defaultPipeline, {
        intents: this.intents,
        rerankers,
        readers,
        memo,
        ...(this.llm && config.llm ? { agent: { chat: this.llm, ...generation(config.llm) } } : {}),
        refiner: {
          // Budgets in the calibrated estimate here; refiner.tokenizerPath is used by `rag eval refine` and the bench.
          // Term weights from the embedded index; with OpenSearch its postings are not built, so none (request-local).
          refiner: buildRefiner(
            config.refiner,
            {
              rerankers,
              memo,
              ...(llm ? { chat: (m, o, ctx) => llm.chat(m, o, ctx) } : {}),
              ...(config.llm?.fallback === 'extractive' ? { fallback: { reserveMs: config.llm.fallbackReserveMs } } : {}),
              ...(this.search ? {} : { terms: () => this.retriever.termStatistics() }),
            },
            estimateTokenCounter,
          ),
          document: (id) => this.store.getDocument(id),
          maxDocuments: config.refiner.maxDocuments,
        },
      });
    } catch (err) {
      this.retriever.close();
      this.store.close();
      throw err;
    }
    const aggregator = this.llm && config.llm ? { chat: this.llm, options: generation(config.llm) } : undefined;
    this.ensembles = new EnsembleRegistry(config.ensembles, this.pipelines, aggregator);
    const log = this.log;
    this.redis = config.redis.url ? createRedis({ ...config.redis, url: config.redis.url }, log) : null;
    this.cache = !config.cache.enabled
      ? null
      : this.redis
        ? new RedisCache(this.redis, log)
        : new MemoryCache(config.cache.maxEntries);
  }

  /**
   * Loads every configured model (and checks every model server) before the first request, and checks the store's
   * vectors against the embedder (`open()`); a missing model folder or an unreachable server stops the start with
   * a message naming the path or URL. Returns what runs where.
   */
  async init(): Promise<ModelStatus[]> {
    // The embedder loads once, through open(), which also checks the store's vectors against it.
    const others = this.models.filter((m) => m !== this.embedderModel);
    await Promise.all([...others.map((m) => m.load()), this.open()]);
    return this.modelStatus();
  }

  /**
   * What ingestion needs and no more: the embedder loaded and the store's vectors checked (`open`), the other models
   * left unloaded (a reranker's server being down is no reason to refuse an ingestion). The embedder's status, or
   * null without one.
   */
  async openStore(): Promise<ModelStatus | null> {
    await this.open();
    return this.embedderModel?.status() ?? null;
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
    const available = [...this.retrievers.keys()].join(', ');
    // The type holds for TypeScript callers only: a JavaScript caller can pass any string.
    if (!retriever && !RETRIEVER_NAMES.includes(name)) throw new RagError('BAD_REQUEST', `unknown retriever "${String(name)}"; available: ${available}`);
    if (!retriever) throw new RagError('BAD_REQUEST', `retriever "${name}" needs an embedding model, and none is configured; available: ${available}`);
    return retriever;
  }

  /** A pipeline by name (the default without one); an ensemble's name gets a hint to ask for it as one. */
  pipelineNamed(name: string | undefined): Pipeline {
    if (name !== undefined && !this.pipelines.names().includes(name)) throw unknownName('pipeline', name, this.kinds());
    return this.pipelines.get(name);
  }

  /** An ensemble by name; a pipeline's name gets a hint to ask for it as one. */
  ensembleNamed(name: string): ReturnType<EnsembleRegistry['get']> {
    if (!this.ensembles.names().includes(name)) throw unknownName('ensemble', name, this.kinds());
    return this.ensembles.get(name);
  }

  private kinds(): { pipelines: string[]; ensembles: string[] } {
    return { pipelines: this.pipelines.names(), ensembles: this.ensembles.names() };
  }

  /**
   * Whether each model server answers now (HTTP models; a local model that loaded stays loaded), by role, each
   * within `timeoutMs` and its answer kept a few seconds: for /readyz, as the LLM server is probed.
   */
  async probeModels(timeoutMs: number): Promise<Map<string, ModelProbe>> {
    const probed = await Promise.all(
      this.models.flatMap((m) => (m.probe ? [m.probe(timeoutMs).then((p): [string, ModelProbe] => [m.status().role, p])] : [])),
    );
    return new Map(probed);
  }

  /**
   * The model roles the default pipeline cannot answer without: the embedder when it retrieves dense or hybrid,
   * and a reranker it uses that has no stand-in (fallback: none). Their servers being down makes /readyz unready.
   */
  modelsRequired(): Set<string> {
    const required = new Set<string>();
    const pipeline = this.config.pipelines[this.config.defaultPipeline];
    if (!pipeline) return required;
    // With OpenSearch a pipeline's "bm25" (the default) runs opensearch.mode: k-NN and hybrid embed the query, and
    // without the fallback nothing answers while the embedder cannot.
    const os = this.config.opensearch;
    const embedsByMode = this.config.retrieval.backend === 'opensearch' && os.mode !== 'bm25' && os.fallback === 'none';
    if (retrieverNamesOf(pipeline).some((r) => r === 'dense' || r === 'hybrid' || (r === 'bm25' && embedsByMode))) required.add('embeddings');
    for (const name of rerankerNamesOf(pipeline)) {
      if (this.config.rerankers[name]?.fallback === 'none') required.add(`reranker.${name}`);
    }
    return required;
  }

  /**
   * Why the store's vectors cannot be searched with the configured embedder now (another process rebuilt them with
   * another model, or dropped them, since this one started), or null: for /readyz. Null too without an embedder, or
   * before it is loaded.
   */
  vectorProblem(): string | null {
    const embedder = this.embedder;
    if (!embedder || !(embedder.dimensions > 0)) return null;
    return this.store.vectorProblem(spaceOf(embedder));
  }

  /** The loaded models: role, source, the execution provider that runs each, and any provider fallen back from. */
  modelStatus(): ModelStatus[] {
    return this.models.map((m) => m.status());
  }

  /** Answers a question; the second argument is the request's context, or just a signal that aborts it. */
  async query(request: QueryRequest, ctx?: RunContext | RagCallOptions): Promise<QueryResponse> {
    this.checkRequest(request);
    return this.tracked(() => turnAfter(this.queryNow(request, contextOf(ctx))));
  }

  private async queryNow(request: QueryRequest, ctx: RunContext): Promise<QueryResponse> {
    if (request.ensemble !== undefined) {
      const ensemble = this.ensemble(request);
      return this.cached('query', request, ctx, async () => {
        const plan = await this.plan(request.query, ctx);
        const result = await ensemble.run(plan, runOptions(request), ctx);
        return { ...result, plan, trace: ctx.trace.toJSON() };
      });
    }
    const pipeline = this.pipelineNamed(request.pipeline);
    await this.open();
    return this.cached('query', { ...request, pipeline: pipeline.name }, ctx, async () => {
      const plan = await this.plan(request.query, ctx);
      const result = await pipeline.run(plan, runOptions(request), ctx);
      return { ...result, plan, trace: ctx.trace.toJSON() };
    });
  }

  /**
   * The query as a stream of events: the plan, the sources (before any answer text), the answer's text as it is
   * written, the pipeline's candidate, the full answer, and the trace at the end. Not cached. The second argument
   * is the request's context, or just a signal that aborts it. `close()` waits for a step under way, and a stream
   * resumed after it ends with UNAVAILABLE rather than read a closed store.
   */
  async *stream(request: QueryRequest, ctx?: RunContext | RagCallOptions): AsyncGenerator<QueryEvent, void, undefined> {
    this.checkRequest(request);
    const events = this.streamNow(request, contextOf(ctx));
    try {
      for (;;) {
        const next = await this.tracked(() => events.next());
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // A consumer that stops early (break, an error of its own) ends the pipeline's stream too.
      await events.return(undefined);
    }
  }

  private async *streamNow(request: QueryRequest, ctx: RunContext): AsyncGenerator<QueryEvent, void, undefined> {
    if (request.ensemble !== undefined) {
      yield* this.streamEnsemble(request, ctx);
      return;
    }
    const pipeline = this.pipelineNamed(request.pipeline);
    await this.open();
    const plan = await this.plan(request.query, ctx);
    yield { event: 'plan', data: plan };
    const run = pipeline.stream(plan, runOptions(request), ctx);
    let result: PipelineResult | undefined;
    try {
      for (let next = await run.next(); ; next = await run.next()) {
        if (next.done) {
          result = next.value;
          break;
        }
        const e = next.value;
        yield e.type === 'sources' ? { event: 'sources', data: { passages: e.passages } } : { event: 'token', data: { text: e.text } };
      }
    } finally {
      // A consumer that stopped early stops the pipeline (and the model call it waits on) too.
      if (result === undefined) await run.return(undefined as never); // (its value is never read)
    }
    const { answer, confidence, entropy, normalizedEntropy, abstained } = result;
    yield { event: 'candidate', data: { pipeline: result.pipeline, answer, confidence, entropy, normalizedEntropy, abstained } };
    yield { event: 'answer', data: { ...result, plan } };
    yield { event: 'done', data: { trace: ctx.trace.toJSON() } };
  }

  /** The ensemble a request names; naming a pipeline as well is a mistake the caller must fix. */
  ensemble(request: QueryRequest): ReturnType<EnsembleRegistry['get']> {
    if (request.pipeline !== undefined && request.ensemble !== undefined) {
      throw new RagError('BAD_REQUEST', 'give "pipeline" or "ensemble", not both');
    }
    return this.ensembleNamed(request.ensemble ?? '');
  }

  /**
   * An ensemble's stream, in a pipeline's order (docs/api.md): the plan, then after the vote the winner's passages,
   * its answer text, one candidate per member with its weight, and the whole answer. The weights are only known
   * once every member has answered, so nothing of the members comes earlier.
   */
  private async *streamEnsemble(request: QueryRequest, ctx: RunContext): AsyncGenerator<QueryEvent, void, undefined> {
    const ensemble = this.ensemble(request);
    const plan = await this.plan(request.query, ctx);
    yield { event: 'plan', data: plan };
    const heard: EnsembleMember[] = [];
    const result = await ensemble.run(plan, runOptions(request), ctx, (m) => heard.push(m));
    yield { event: 'sources', data: { passages: result.passages } };
    if (!result.abstained) yield { event: 'token', data: { text: result.answer } };
    for (const m of heard) {
      const { pipeline, answer, confidence, entropy, normalizedEntropy, abstained, weight } = m;
      yield { event: 'candidate', data: { pipeline, answer, confidence, entropy, normalizedEntropy, abstained, weight } };
    }
    yield { event: 'answer', data: { ...result, plan } };
    yield { event: 'done', data: { trace: ctx.trace.toJSON() } };
  }

  /** Retrieves chunks; the second argument is the request's context, or just a signal that aborts it. */
  async retrieve(request: RetrieveRequest, ctx?: RunContext | RagCallOptions): Promise<RetrieveResponse> {
    this.checkRequest(request);
    return this.tracked(() => turnAfter(this.retrieveNow(request, contextOf(ctx))));
  }

  /**
   * The bounds the HTTP schemas hold a request to, for callers in process too (a library user's `k: -1` returned no
   * hits, and a missing query failed with a TypeError).
   */
  private checkRequest(request: { query?: unknown; k?: unknown; contextTokens?: unknown; filter?: unknown }): void {
    const { maxK, maxQueryChars } = this.config.limits;
    // An empty or wordless query is refused when it is planned ("no words to search for"), as over HTTP.
    if (typeof request.query !== 'string') throw new RagError('BAD_REQUEST', `query must be a string; got ${typeof request.query}`);
    if (longerThan(request.query, maxQueryChars)) throw new RagError('BAD_REQUEST', `query is longer than limits.maxQueryChars (${maxQueryChars} characters)`);
    if (request.k !== undefined && !(Number.isInteger(request.k) && (request.k as number) >= 1 && (request.k as number) <= maxK)) {
      throw new RagError('BAD_REQUEST', `k must be a whole number from 1 to limits.maxK (${maxK}); got ${String(request.k)}`);
    }
    const tokens = request.contextTokens;
    if (tokens !== undefined && !(Number.isInteger(tokens) && (tokens as number) >= CONTEXT_TOKENS.min && (tokens as number) <= CONTEXT_TOKENS.max)) {
      throw new RagError('BAD_REQUEST', `contextTokens must be a whole number from ${CONTEXT_TOKENS.min} to ${CONTEXT_TOKENS.max}; got ${String(tokens)}`);
    }
    if (request.filter !== undefined) checkFilter(request.filter);
  }

  private async retrieveNow(request: RetrieveRequest, ctx: RunContext): Promise<RetrieveResponse> {
    // Unnamed: the default retrieval (BM25; with OpenSearch, opensearch.mode). Named: that retriever.
    const name = request.retriever ?? 'bm25';
    const intents = request.retriever === undefined ? this.intents.get('bm25') : this.namedIntents.get(name);
    if (!intents) this.retrieverNamed(name);
    await this.open();
    return this.cached('retrieve', request, ctx, async () => {
      const plan = await this.plan(request.query, ctx);
      const k = request.k ?? Math.min(DEFAULT_RETRIEVE_K, this.config.limits.maxK);
      const options = request.filter ? { k, filter: request.filter } : { k };
      const hits = await (intents as IntentRetriever).retrieve(plan, options, ctx);
      // A stand-in retrieved (OpenSearch's fallback): say so, which also keeps the response out of the cache.
      const degraded = ctx.degradations[0];
      return { plan, hits, trace: ctx.trace.toJSON(), ...(degraded ? { degraded } : {}) };
    });
  }

  /**
   * Ingests one batch, all or nothing. Batches and deletions take effect in the order they arrive: preparing a
   * batch gives the event loop turns (and OpenSearch and the embedder are awaited), so without the queue a small
   * batch sent later could be written before a large one sent earlier, and the older version of a document win.
   */
  async ingest(documents: DocumentInput[], ctx?: RunContext | RagCallOptions): Promise<IngestResult> {
    // A JavaScript caller is not held to the type: one document, or none, was a TypeError from deep inside.
    if (!Array.isArray(documents)) {
      throw new RagError('BAD_REQUEST', `ingest takes an array of documents ({ id, text, ... }); got ${documents === null ? 'null' : typeof documents}`);
    }
    // A signal alone (as `query` takes one) stops the batch before it is written.
    const run = ctx === undefined ? undefined : contextOf(ctx);
    return this.inOrder(() => this.ingestNow(documents, run));
  }

  private async ingestNow(documents: DocumentInput[], ctx?: RunContext, options: PrepareOptions = {}): Promise<IngestResult & { skippedIds?: string[] }> {
    await this.open();
    // Vectors another process rebuilt or dropped under this server: refused before any parsing, embedding or
    // OpenSearch write, so nothing lands in one place and not the other.
    const vectors = this.vectorProblem();
    if (vectors !== null) throw new RagError('UNAVAILABLE', `ingestion is unavailable: ${vectors}; nothing of this batch was stored`);
    if (!this.search) return this.ingestor.ingest(documents, ctx, options);
    const run = ctx ?? new RunContext();
    const prepared = await run.span('ingest.prepare', () => this.ingestor.prepare(documents, run, options), (p) => ({ documents: p.length }));
    // Embedded once, for both: the store of record keeps the vectors (and their space), OpenSearch indexes them.
    const space = await this.ingestor.embedPrepared(prepared, run);
    // OpenSearch first: a document it refuses is not stored at all, so the two never disagree about what exists.
    const search = this.search;
    // A write that fails part-way is taken back to what the store holds; when even that fails, the store
    // remembers that the index may disagree with it (/readyz says so) until a rebuild.
    const restore = (ids: string[]): PreparedDocument[] => this.store.preparedDocumentsOf(ids);
    const written = await run
      .span('ingest.opensearch', () => search.write(prepared, { ctx: run, restore }), (w) => ({ chunks: w.chunks, failed: w.failed.length }))
      .catch((err: unknown) => {
        const mismatch = isRagError(err) ? err.details?.['indexMismatch'] : undefined;
        if (typeof mismatch === 'string') this.store.markSearchMismatch(`an ingestion failed part-way and could not be taken back (${mismatch})`);
        throw err;
      });
    const failed = new Set(written.failed.map((f) => f.id));
    const stored = prepared.filter((d) => !failed.has(d.id));
    const result = await run
      .span(
        'ingest.write',
        async () => (stored.length > 0 ? whileBusy(() => this.store.upsert(stored, space), run) : { documents: 0, chunks: 0, version: this.store.version() }),
        (r) => ({ chunks: r.chunks }),
      )
      .catch(async (err: unknown) => {
        // OpenSearch took the batch and the store did not (another process held its write lock past the deadline,
        // a full disk): the index would answer with documents the store does not have. Taken back as a bulk write
        // that failed part-way is, and when that fails too, /readyz says so until a rebuild.
        const failure = isRagError(err) ? err : new RagError('INTERNAL', `storing the batch failed: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
        const answer = await search.takeBack(stored, restore, failure);
        const mismatch = answer.details?.['indexMismatch'];
        if (typeof mismatch === 'string') this.store.markSearchMismatch(`a batch the store refused could not be taken back from OpenSearch (${mismatch})`);
        throw answer;
      });
    const structure = structureReport(prepared);
    const skippedIds = skippedOf(documents, prepared);
    return {
      ...result,
      ...(written.failed.length > 0 ? { failed: written.failed } : {}),
      ...(structure ? { structure } : {}),
      ...(skippedIds.length > 0 ? { skippedIds } : {}),
    };
  }

  /** Deletes from the embedded store only; `deleteDocument` covers every backend. */
  delete(id: string): boolean {
    this.assertOpen();
    return this.store.delete(id);
  }

  /**
   * Deletes a document wherever it is indexed (OpenSearch first); false when there was no such document. The
   * second argument is the request's context (its deadline bounds a wait for another process's write), or a signal.
   */
  async deleteDocument(id: string, ctx?: RunContext | RagCallOptions): Promise<boolean> {
    return (await this.deleteDocuments([id], ctx)).length > 0;
  }

  /**
   * Deletes documents as `deleteDocument` does, the store's part in one write (one version, one change for a server
   * on the same file to follow): pruning a folder of thousands of files was thousands of commits, each making such a
   * server rebuild its index. With OpenSearch each is deleted there first; a failure there part-way still deletes
   * from the store those it deleted, so the two agree, and is the error, naming them. Returns the ids deleted from
   * either.
   */
  async deleteDocuments(ids: readonly string[], ctx?: RunContext | RagCallOptions): Promise<string[]> {
    const run = contextOf(ctx);
    return this.inOrder(async () => {
      const unique = [...new Set(ids)];
      const done: string[] = [];
      const inSearch = new Set<string>();
      let failure: unknown;
      for (const id of unique) {
        try {
          if (this.search && (await this.search.delete(id, { ctx: run }))) inSearch.add(id);
          done.push(id);
        } catch (err) {
          // A deletion cut at the deadline may still be carried out by the cluster while the store keeps the document
          // (docs/opensearch.md, "Faults": deleting it again settles it). Writing it back here would answer a
          // requestTimeoutMs after the deadline on the hung node that caused it.
          failure = err;
          break;
        }
      }
      const inStore = new Set(
        done.length === 0
          ? []
          : await whileBusy(() => this.store.deleteMany(done), run).catch(async (err: unknown) => {
              throw await this.putBackInSearch([...inSearch], err);
            }),
      );
      const deleted = done.filter((id) => inStore.has(id) || inSearch.has(id));
      if (failure === undefined) return deleted;
      if (!isRagError(failure) || deleted.length === 0) throw failure;
      throw new RagError(failure.code, `${failure.message}; deleted before it: ${deleted.join(', ')} (run again for the rest)`, { ...failure.details, deleted }, { cause: failure });
    });
  }

  /**
   * The store kept documents OpenSearch had already deleted (another process held its write lock past the
   * deadline, a full disk): they are written to the index again from the store, or they would be stored and never
   * found. Returns the error to answer with; when writing back fails too, it says which documents the index lacks,
   * and the store remembers the mismatch (/readyz says so) until a rebuild.
   */
  private async putBackInSearch(ids: string[], err: unknown): Promise<unknown> {
    if (!this.search || ids.length === 0) return err;
    const failure = isRagError(err) ? err : new RagError('INTERNAL', `deleting from the store failed: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
    const stored = (of: string[]): PreparedDocument[] => this.store.preparedDocumentsOf(of);
    const reason = await this.search.restoreFromStore(stored(ids), stored);
    if (reason === null) return new RagError(failure.code, `${failure.message}; nothing was deleted (OpenSearch's copies were written back from the store)`, failure.details, { cause: failure });
    this.store.markSearchMismatch(`documents OpenSearch deleted and the store kept could not be written back (${reason})`);
    return new RagError(
      failure.code,
      `${failure.message}; OpenSearch had already deleted ${ids.join(', ')}, and writing them back failed (${reason}): delete them again, or run \`rag opensearch rebuild\``,
      { ...failure.details, deletedFromSearchOnly: ids, indexMismatch: reason },
      { cause: failure },
    );
  }

  /** Runs a write after every write that arrived before it, whether those succeeded or failed. */
  private inOrder<T>(write: () => Promise<T>): Promise<T> {
    return this.tracked(() => {
      const result = this.writes.then(write);
      this.writes = result.catch(() => undefined);
      return result;
    });
  }

  /** Work that `close()` waits for; refused once closing has begun. */
  private tracked<T>(work: () => Promise<T>): Promise<T> {
    this.assertOpen();
    const running = work();
    this.inFlight.add(running);
    void running.then(
      () => this.inFlight.delete(running),
      () => this.inFlight.delete(running),
    );
    return running;
  }

  private assertOpen(): void {
    if (this.closed) throw new RagError('UNAVAILABLE', 'this Rag instance is closed: create a new one to query or ingest again');
  }

  /**
   * Rebuilds the OpenSearch collection from the store into a fresh index and switches the alias to it: after a
   * mapping or analyser change, a new embedder, or a lost cluster.
   */
  async rebuildSearchIndex(onProgress?: (documents: number) => void): Promise<{ index: string; documents: number; chunks: number; failed: WriteFailure[] }> {
    if (!this.search) throw new RagError('CONFIG', 'retrieval.backend is not "opensearch": there is no search index to rebuild');
    // The embedder knows its dimension only once loaded: the new index's vector field is sized from it.
    await this.open();
    const mismatch = this.store.searchMismatch();
    const rebuilt = await this.search.rebuild(this.store.preparedDocuments(), onProgress ? { onProgress } : {});
    if (rebuilt.failed.length > 0) {
      // The alias now points at an index that lacks these: it does not agree with the store, and /readyz says so.
      const ids = rebuilt.failed.map((f) => f.id);
      const named = ids.length > 5 ? `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more` : ids.join(', ');
      this.store.markSearchMismatch(`the last rebuild could not copy ${ids.length} document${ids.length === 1 ? '' : 's'} to OpenSearch (${named}); run \`rag opensearch rebuild\` again`);
    } else if (mismatch !== null && this.store.searchMismatch() === mismatch) {
      // The index now holds what the store holds (unless another mismatch was recorded meanwhile).
      this.store.markSearchMismatch(null);
    }
    return rebuilt;
  }

  /**
   * Connects to OpenSearch and sets the collection up; a collection created just now is filled from the store.
   * Returns why OpenSearch is unavailable (the server still starts, and /readyz says so), or null.
   */
  async connectSearch(log?: (message: string) => void): Promise<string | null> {
    if (!this.search) return null;
    try {
      this.search.refillFrom(this.refill(log));
      await this.search.ensureCollection();
      return null;
    } catch (err) {
      // Unreachable is a state the server recovers from; a collection that does not fit (CONFIG) is not.
      if (err instanceof RagError && err.code !== 'UNAVAILABLE') throw err;
      return err instanceof Error ? err.message : String(err);
    }
  }

  /** The store of record as a new OpenSearch collection is filled from it (at start-up or while running). */
  private refill(log?: (message: string) => void): Refill {
    return {
      count: () => this.store.counts().documents,
      documents: () => this.store.preparedDocuments(),
      // A collection filled from the store agrees with it, whatever an earlier failed ingestion left in the old one.
      filled: () => this.store.markSearchMismatch(null),
      ...(log ? { log } : {}),
    };
  }

  /**
   * Ingests files and folders in batches (each batch all or nothing), reporting documents done. A file in a folder
   * that holds no text, or none once parsed, is skipped and listed in `skipped`; one named in `paths` is refused like
   * any empty document. `onBatch` hears the ids of each batch once it is ingested.
   */
  async ingestPaths(
    paths: string[],
    options: { batchSize?: number; onProgress?: (done: number) => void; onBatch?: (ids: readonly string[]) => void } = {},
  ): Promise<IngestResult> {
    await this.open();
    const files = await listSourceFiles(paths);
    const total: IngestResult = { documents: 0, chunks: 0, version: this.store.version() };
    const onSkip = (file: string, reason: string): void => {
      total.skipped = [...(total.skipped ?? []), { file, reason }];
    };
    // A page of a folder that holds no text once parsed (a redirect page, a section index of front matter) is
    // skipped as an empty file is: a site's build folder has such pages, and one stopped the whole folder.
    const walked = new Map(files.filter((f) => f.walked).map((f) => [fileDocumentId(f.path), f.path]));
    const skipEmpty = new Set(walked.keys());
    // Ids of the batches before, by where they came from: a later batch repeating one is refused, as one batch
    // repeating an id is (before, whether a duplicate was refused or replaced the first depended on --batch-size).
    const earlier = new Map<string, string>();
    const where = (doc: DocumentInput): string => documentOrigin(doc) ?? `"${doc.id}"`;
    try {
      for await (const batch of readDocumentBatches(files, { batchSize: options.batchSize ?? 500, onSkip })) {
        for (const doc of batch) {
          const first = earlier.get(doc.id);
          if (first !== undefined) {
            throw new RagError('INVALID_DOCUMENT', `${where(doc)}: id "${doc.id}" is also that of ${first}; nothing of this batch was stored`, { id: doc.id });
          }
        }
        const name = (index: number): string | undefined => {
          const doc = batch[index];
          return doc ? documentOrigin(doc) : undefined;
        };
        const { skippedIds, ...r } = await this.inOrder(() => this.ingestNow(batch, undefined, { skipEmpty, name }));
        for (const doc of batch) earlier.set(doc.id, where(doc));
        for (const id of skippedIds ?? []) onSkip(walked.get(id) ?? id, 'it holds no text once parsed');
        total.documents += r.documents;
        total.chunks += r.chunks;
        total.version = r.version;
        if (r.failed) total.failed = [...(total.failed ?? []), ...r.failed];
        const structure = addStructureReports(total.structure, r.structure);
        if (structure) total.structure = structure;
        options.onBatch?.(batch.map((d) => d.id));
        options.onProgress?.(total.documents);
      }
    } catch (err) {
      // Each batch is all-or-nothing, but the ones before a bad document (or a bad line of a file) are in the
      // index, and the message must not hide that.
      if (!isRagError(err) || total.documents === 0) throw err;
      throw new RagError(
        err.code,
        `${err.message}; the ${total.documents} documents of the batches before it were stored (ingest again once it is fixed: documents are replaced by id, not duplicated)`,
        { ...err.details, storedBefore: total.documents },
        { cause: err },
      );
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
    const result = await backfillVectors(this.store, embedder, backfill, ctx);
    this.noteUpgrade(result.upgradedFrom ?? null, result.space);
    return result;
  }

  /** Drops every vector and the recorded embedding model: to stop using dense retrieval on this store. */
  dropVectors(): void {
    this.store.dropVectors();
    this.opening = null;
  }

  /** Builds the in-memory index now so the first query is not the one that pays for it. */
  warm(): number {
    this.assertOpen();
    const chunks = this.retriever.warm();
    // The spelling corrector's candidate index and dictionary too, so the first misspelt query does not pay for them.
    if (this.config.query.denoise) {
      this.retriever.vocabulary().prepare();
      EnglishWords.shared();
    }
    return chunks;
  }

  /**
   * Refuses new work, waits for the queries and writes already under way (a batch being ingested is finished, not
   * cut off), then releases the store, the search client, the models and the cache. With nothing under way the
   * store is closed at once (synchronously, before the first await), as callers that do not await rely on; closing
   * twice is harmless.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.retriever.close();
    await this.structurePool.close();
    this.store.close();
    void this.search?.close();
    // Frees the ONNX sessions; nothing waits on it, as nothing can use them after close.
    for (const m of this.models) void m.dispose().catch(() => undefined);
    await this.cache?.close();
    this.redis?.disconnect();
  }

  /**
   * Serves a response from the cache when the same request was answered at the same index version; otherwise
   * computes it and stores it without its trace, unless a stand-in answered. A hit still answers with this
   * request's own trace.
   */
  private async cached<T extends { trace: TraceView; cached?: boolean }>(
    operation: string,
    request: object,
    ctx: RunContext,
    compute: () => Promise<T>,
  ): Promise<T> {
    const cache = this.cache;
    if (!cache) return compute();
    // No id yet (another process holds the write lock of a new store): answered, not cached.
    const storeId = this.store.storeId();
    if (storeId === undefined) return compute();
    const key = cacheKey(operation, request, { storeId, version: this.store.version(), configDigest: this.configDigest });
    const hit = await ctx.span('cache.get', () => cache.get(key), (v) => ({ hit: v !== undefined, backend: cache.kind }));
    if (hit !== undefined) return { ...(JSON.parse(hit) as T), cached: true, trace: ctx.trace.toJSON() };
    // Another process (a second server, `rag ingest`) committed and the in-memory index has not caught up yet: FTS5
    // answers meanwhile, ranking by its own analysis, which must not be cached as the memory index's answer.
    const staleBefore = this.retriever.stale();
    const result = await compute();
    // A stand-in's answer must not outlive the outage it covered for: the next ask may reach the real thing.
    if (answeredByStandIn(result) || staleBefore || this.retriever.stale()) return result;
    const { trace: _trace, ...body } = result;
    void cache.set(key, JSON.stringify(body), this.config.cache.ttlSeconds);
    return result;
  }

  private async checkVectors(): Promise<void> {
    const embedder = this.embedder;
    if (!embedder) return;
    await this.loadEmbedder(embedder);
    const space = spaceOf(embedder);
    this.noteUpgrade(await checkLegacySpace(this.store, embedder), space);
    const status = this.store.vectorStatus();
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

  /** A store that recorded only the embedder's kind now records its identity, its vectors checked: say so. */
  private noteUpgrade(takeover: LegacyTakeover | null, space: EmbeddingSpace): void {
    if (takeover === null) return;
    const { legacy, sampled, lowest } = takeover;
    const checked =
      sampled === 0
        ? 'it holds no vectors yet'
        : `${sampled} sampled chunks embedded again match their stored vectors (lowest cosine ${lowest.toFixed(4)}, at least ${SAME_MODEL_COSINE})`;
    this.log.warn(
      { store: this.store.path, recorded: legacy.model, model: space.model, dimensions: space.dimensions, sampled, lowestCosine: lowest },
      `store ${this.store.path} recorded its vectors' embedding model only as "${legacy.model}" (an older version); ${checked}, ` +
        `so it now records the configured one, ${describeSpace(space)}`,
    );
  }

  /**
   * An fts index an older version wrote was brought up to date as the store opened (or could not be): say so, as a
   * warning where the fts5 engine searches it, at debug level where the in-memory engine (the default) does.
   */
  private noteFtsUpgrade(upgrade: FtsUpgrade | null, fts5: boolean): void {
    if (upgrade === null) return;
    const store = this.store.path;
    const level = fts5 ? 'warn' : 'debug';
    if ('deferred' in upgrade) {
      // A store with no chunks yet (another process creating it at the same moment) has nothing to miss.
      if (this.store.counts().chunks === 0) return;
      this.log[level](
        { store, ftsUpgrade: 'deferred' },
        `store ${store}'s full-text index was written by an older version, which indexed Chinese, Japanese and Korean text unsplit, ` +
          `and could not be brought up to date now (${upgrade.deferred}); until a later start does, the fts5 engine misses such chunks`,
      );
      return;
    }
    const { reindexed, chunks } = upgrade;
    if (reindexed === 0) {
      if (chunks > 0) this.log.debug({ store, reindexed, chunks }, `store ${store}'s full-text index is up to date: none of its ${chunks} chunks holds CJK text`);
      return;
    }
    this.log[level](
      { store, reindexed, chunks },
      `store ${store}'s full-text index was written by an older version, which indexed Chinese, Japanese and Korean text unsplit: ` +
        `${reindexed} of its ${chunks} chunks were indexed again as bigrams, so the fts5 engine finds them`,
    );
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
      throw new RagError('BAD_REQUEST', 'query has no words to search for (letters or digits)', { noWords: true });
    }
    return plan;
  }
}

const RETRIEVER_NAMES: readonly string[] = RetrieverNameSchema.anyOf.map((s) => s.const);

/** A call's context: the one given, or a new one carrying the caller's signal (RagBackend's options). */
function contextOf(ctx: RunContext | RagCallOptions | undefined): RunContext {
  if (ctx instanceof RunContext) return ctx;
  return new RunContext(ctx?.signal ? { signal: ctx.signal } : {});
}

/** The per-request pipeline knobs of a query request. */
function runOptions(request: QueryRequest): PipelineRunOptions {
  const options: PipelineRunOptions = {};
  if (request.k !== undefined) options.k = request.k;
  if (request.filter !== undefined) options.filter = request.filter;
  if (request.contextTokens !== undefined) options.contextTokens = request.contextTokens;
  return options;
}

/** The LLM's generation settings, as the generator, the agentic pipeline and the ensemble's aggregator use them. */
function generation(llm: LlmConfig): { topLogprobs: number; temperature: number; maxTokens: number } {
  return { topLogprobs: llm.topLogprobs, temperature: llm.temperature, maxTokens: llm.maxTokens };
}

/** A stage fell back (`degraded`), or the ensemble's aggregating LLM failed and the vote answered. */
function answeredByStandIn(result: object): boolean {
  const r = result as Partial<Pick<QueryResponse, 'degraded' | 'aggregation'>> & { dropped?: unknown[] };
  // An ensemble answered without a member that failed or ran out of time (an LLM down, a deadline): the next ask
  // may have every member again, so that answer must not be served from the cache either.
  return r.degraded !== undefined || r.aggregation?.fallback === true || (Array.isArray(r.dropped) && r.dropped.length > 0);
}

/**
 * The result after a turn of the event loop. Extractive answers never wait on I/O, so a caller looping over queries
 * (an evaluation script) would run them all in one job of microtasks, and V8 keeps every WeakRef target of a job
 * alive until it ends: the requests' abort signals, which AbortSignal.any links, grew the heap about 10 KB a query.
 */
async function turnAfter<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } finally {
    await nextTurn();
  }
}
