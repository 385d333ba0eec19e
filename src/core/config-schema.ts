import { Type, type Static } from '@sinclair/typebox';

/** Every setting the server knows; unknown keys are rejected so a typo never goes unnoticed. */
const Strict = { additionalProperties: false } as const;

export const PipelineConfigSchema = Type.Object(
  {
    kind: Type.Literal('sequential'),
    description: Type.Optional(Type.String()),
    /** Chunks fetched from the retriever before reranking. */
    retrieveK: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
    reranker: Type.Union([Type.Literal('none'), Type.Literal('lexical')], { default: 'lexical' }),
    /** Chunks kept after reranking, before budgeted selection. */
    rerankK: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
    /** Token budget of the context handed to the reader. */
    contextTokens: Type.Integer({ minimum: 32, maximum: 32768, default: 1200 }),
    /** Normalised entropy above which the pipeline abstains rather than guess. */
    abstainAbove: Type.Number({ minimum: 0, maximum: 1, default: 0.98 }),
  },
  Strict,
);

/** The scale-out tier: used when retrieval.backend is "opensearch". */
export const OpenSearchConfigSchema = Type.Object(
  {
    /** Node URLs (http:// or https://); with several, the client spreads requests and retries on another node. */
    nodes: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, default: ['http://127.0.0.1:9200'] }),
    /**
     * The alias searches and writes go through. The indices behind it are named <index>-<time>, so a collection
     * is rebuilt into a new index and switched over atomically (`rag opensearch rebuild`).
     */
    index: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]*$', maxLength: 200, default: 'rag-chunks' }),
    /** Basic auth (username and password) or an API key (sent as "Authorization: ApiKey <key>"); secrets best from RAG_OPENSEARCH__AUTH__*. */
    auth: Type.Object(
      { username: Type.Optional(Type.String({ minLength: 1 })), password: Type.Optional(Type.String()), apiKey: Type.Optional(Type.String({ minLength: 1 })) },
      { ...Strict, default: {} },
    ),
    tls: Type.Object(
      {
        /** PEM file of the certificate authority that signed the cluster's certificates. */
        caFile: Type.Optional(Type.String({ minLength: 1 })),
        /** false accepts any certificate: for a local node with a self-signed certificate only. */
        rejectUnauthorized: Type.Boolean({ default: true }),
      },
      { ...Strict, default: {} },
    ),
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 10000 }),
    /** Retries of a failed request on another node (connection errors, 502/503/504). */
    maxRetries: Type.Integer({ minimum: 0, maximum: 10, default: 2 }),
    shards: Type.Integer({ minimum: 1, maximum: 1024, default: 1 }),
    /** 0 suits one node; a cluster wants at least 1. */
    replicas: Type.Integer({ minimum: 0, maximum: 16, default: 0 }),
    /** How soon writes become searchable without an explicit refresh. */
    refreshInterval: Type.String({ pattern: '^(-1|\\d+(ms|s|m))$', default: '1s' }),
    /**
     * After an ingest request: "wait_for" answers once the documents are searchable (as the embedded store does),
     * true forces a refresh, false answers at once (searchable within refreshInterval).
     */
    refresh: Type.Union([Type.Literal('wait_for'), Type.Boolean()], { default: 'wait_for' }),
    bulk: Type.Object(
      {
        /** Chunks per bulk request. */
        batchSize: Type.Integer({ minimum: 1, maximum: 10000, default: 500 }),
        /** Retries of the operations a busy cluster rejects (429), with exponential backoff. */
        maxRetries: Type.Integer({ minimum: 0, maximum: 20, default: 6 }),
        backoffMs: Type.Integer({ minimum: 1, maximum: 60000, default: 200 }),
      },
      { ...Strict, default: {} },
    ),
    /** BM25: weight of an extra title match; 0 ranks as the embedded BM25 does (see OpenSearchBm25Retriever). */
    titleBoost: Type.Number({ minimum: 0, maximum: 100, default: 0 }),
    /** Which retriever queries use: BM25, k-NN over embeddings, or both fused (k-NN and hybrid need an embedder). */
    mode: Type.Union([Type.Literal('bm25'), Type.Literal('knn'), Type.Literal('hybrid')], { default: 'bm25' }),
    knn: Type.Object(
      {
        /** HNSW implementation: "lucene" runs everywhere; "faiss" and "nmslib" need the k-NN plugin's native libraries. */
        engine: Type.Union([Type.Literal('lucene'), Type.Literal('faiss'), Type.Literal('nmslib')], { default: 'lucene' }),
        spaceType: Type.Union([Type.Literal('cosinesimil'), Type.Literal('l2'), Type.Literal('innerproduct')], { default: 'cosinesimil' }),
        m: Type.Integer({ minimum: 2, maximum: 128, default: 16 }),
        efConstruction: Type.Integer({ minimum: 2, maximum: 4096, default: 128 }),
        /** Candidates examined per query (at least k). */
        efSearch: Type.Integer({ minimum: 1, maximum: 10000, default: 100 }),
      },
      { ...Strict, default: {} },
    ),
    hybrid: Type.Object(
      {
        /** rrf: reciprocal rank fusion; score: min-max normalised scores; entropy: RRF weighted by each list's confidence. */
        fusion: Type.Union([Type.Literal('rrf'), Type.Literal('score'), Type.Literal('entropy')], { default: 'rrf' }),
        /** Hits fetched from each retriever before fusion (at least k). */
        candidates: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        bm25Weight: Type.Number({ minimum: 0, default: 1 }),
        knnWeight: Type.Number({ minimum: 0, default: 1 }),
      },
      { ...Strict, default: {} },
    ),
    /**
     * When OpenSearch is unreachable during a query: "none" answers 503 with the reason; "embedded-bm25" answers
     * from the embedded store's BM25 instead and says so in the trace (span "retrieve.fallback").
     */
    fallback: Type.Union([Type.Literal('none'), Type.Literal('embedded-bm25')], { default: 'none' }),
  },
  { ...Strict, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    server: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
        logLevel: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info' },
        ),
        /** Largest request body in bytes; document batches are the big ones. */
        bodyLimitBytes: Type.Integer({ minimum: 1024, default: 16 * 1024 * 1024 }),
        requestTimeoutMs: Type.Integer({ minimum: 100, default: 30000 }),
        docs: Type.Boolean({ default: true }),
      },
      Strict,
    ),
    store: Type.Object(
      {
        /** SQLite file; ":memory:" for a throw-away index. */
        path: Type.String({ minLength: 1, default: 'data/rag.db' }),
      },
      Strict,
    ),
    chunking: Type.Object(
      {
        /** Characters per chunk: about 300 tokens of English, a common RAG passage size. */
        chunkSize: Type.Integer({ minimum: 100, maximum: 20000, default: 1200 }),
        chunkOverlap: Type.Integer({ minimum: 0, maximum: 5000, default: 150 }),
      },
      Strict,
    ),
    retrieval: Type.Object(
      {
        /** Where chunks are searched: the embedded SQLite store, or an OpenSearch cluster (the `opensearch` section). */
        backend: Type.Union([Type.Literal('embedded'), Type.Literal('opensearch')], { default: 'embedded' }),
        bm25: Type.Object(
          {
            /** "memory": postings held in RAM with MaxScore pruning (fast); "fts5": SQLite's bm25() (no load time). */
            engine: Type.Union([Type.Literal('memory'), Type.Literal('fts5')], { default: 'memory' }),
            /** Lucene/Anserini defaults, not tuned to any data set. */
            k1: Type.Number({ minimum: 0, maximum: 10, default: 0.9 }),
            b: Type.Number({ minimum: 0, maximum: 1, default: 0.4 }),
            /** Longer queries keep their highest-weighted terms only, so a pasted paragraph stays fast. */
            maxQueryTerms: Type.Integer({ minimum: 1, maximum: 1024, default: 64 }),
          },
          Strict,
        ),
      },
      Strict,
    ),
    opensearch: OpenSearchConfigSchema,
    limits: Type.Object(
      {
        maxQueryChars: Type.Integer({ minimum: 16, default: 4096 }),
        maxK: Type.Integer({ minimum: 1, default: 1000 }),
        maxBatchDocuments: Type.Integer({ minimum: 1, default: 10000 }),
        maxDocumentChars: Type.Integer({ minimum: 1, default: 5_000_000 }),
      },
      Strict,
    ),
    defaultPipeline: Type.String({ minLength: 1, default: 'default' }),
    /** Named pipelines (names of letters, digits, '_', '.', '-'; checked in validateConfig). */
    pipelines: Type.Record(Type.String(), PipelineConfigSchema, {
      default: { default: { kind: 'sequential' } },
    }),
    bootstrap: Type.Object(
      {
        /** When the index is empty at start-up, ingest these paths first (relative to the working directory). */
        ingestOnEmpty: Type.Boolean({ default: true }),
        paths: Type.Array(Type.String({ minLength: 1 }), { default: ['README.md', 'docs'] }),
      },
      Strict,
    ),
  },
  Strict,
);

export type Config = Static<typeof ConfigSchema>;
export type PipelineConfig = Static<typeof PipelineConfigSchema>;
export type OpenSearchConfig = Static<typeof OpenSearchConfigSchema>;
