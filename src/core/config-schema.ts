import { Type, type Static } from '@sinclair/typebox';

/** A context's token budget: a pipeline's `contextTokens`, and a request's (the HTTP schema and library callers alike). */
export const CONTEXT_TOKENS = { min: 32, max: 32768 } as const;

/** Every setting the server knows; unknown keys are rejected so a typo never goes unnoticed. */
const Strict = { additionalProperties: false } as const;

/** The retrievers a pipeline or a /v1/retrieve request can name; dense and hybrid need an embedder. */
export const RETRIEVER_NAMES = ['bm25', 'dense', 'hybrid'] as const;
export const RetrieverNameSchema = Type.Union([Type.Literal('bm25'), Type.Literal('dense'), Type.Literal('hybrid')]);
export type RetrieverName = Static<typeof RetrieverNameSchema>;

/** Who answers from the passages: the model-free extractive reader (sentences or factoid spans), or the LLM. */
export const GeneratorNameSchema = Type.Union([Type.Literal('extractive'), Type.Literal('extractive-spans'), Type.Literal('extractive-linked'), Type.Literal('extractive-bridge'), Type.Literal('llm')]);
export type GeneratorName = Static<typeof GeneratorNameSchema>;

/** A pipeline's ensemble of retrievers: each retrieves for every query, and the lists are fused on chunk ids. */
export const RetrieverEnsembleSchema = Type.Object(
  {
    members: Type.Array(RetrieverNameSchema, { minItems: 2, maxItems: 3 }),
    /** "rrf": weighted reciprocal rank fusion; "normalized": min-max normalised scores, weighted sum. */
    fusion: Type.Union([Type.Literal('rrf'), Type.Literal('normalized')], { default: 'rrf' }),
    rrfK: Type.Integer({ minimum: 1, maximum: 10000, default: 60 }),
    /** How much each member's list counts, by member name; 1 for a member left out. */
    weights: Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 100 }), { default: {} }),
    /** Scale the weights per query by how peaked each list's top scores are. */
    entropyWeights: Type.Boolean({ default: false }),
    /** Candidates each member contributes before fusion (at least the k asked for). */
    depth: Type.Integer({ minimum: 1, maximum: 4096, default: 100 }),
  },
  Strict,
);

/** A pipeline's ensemble of rerankers: each ranks the same candidates, and the rankings are aggregated. */
export const RerankerEnsembleSchema = Type.Object(
  {
    /** Rerankers by name: "lexical", "llm", or one under `rerankers`. */
    members: Type.Array(Type.String({ minLength: 1 }), { minItems: 2, maxItems: 8 }),
    /** "rrf": weighted reciprocal rank (Cormack et al.); "borda": weighted Borda count, (n - rank) / n points. */
    aggregation: Type.Union([Type.Literal('rrf'), Type.Literal('borda')], { default: 'rrf' }),
    rrfK: Type.Integer({ minimum: 1, maximum: 10000, default: 60 }),
    /** How much each member's ranking counts, by member name; 1 for a member left out. */
    weights: Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 100 }), { default: {} }),
  },
  Strict,
);

/** A pipeline's ensemble of generators: each answers from the same passages; answers are clustered and weighted. */
export const GeneratorEnsembleSchema = Type.Object(
  {
    members: Type.Array(GeneratorNameSchema, { minItems: 2, maxItems: 3 }),
    /** Weights exp(-beta * normalised entropy) of each member's answer, as in the pipeline ensemble. */
    beta: Type.Number({ minimum: 0, maximum: 100, default: 2 }),
  },
  Strict,
);

export const PipelineConfigSchema = Type.Object(
  {
    /** sequential; branching, iterative, loop (adaptive) and agentic (an LLM with tools, needs `llm`): see DESIGN, "Pipelines". */
    kind: Type.Union([Type.Literal('sequential'), Type.Literal('branching'), Type.Literal('iterative'), Type.Literal('loop'), Type.Literal('agentic')]),
    description: Type.Optional(Type.String()),
    /**
     * Which retriever the pipeline uses: lexical (bm25), vectors (dense), or both fused (hybrid); a list of them is
     * an ensemble fused by RRF (`retrievers` for the fusion's settings).
     */
    retriever: Type.Union([RetrieverNameSchema, Type.Array(RetrieverNameSchema, { minItems: 2, maxItems: 3 })], { default: 'bm25' }),
    /** An ensemble of retrievers with its fusion settings (instead of `retriever`). */
    retrievers: Type.Optional(RetrieverEnsembleSchema),
    /** iterative: rounds (default 3); loop: the most rounds (default 3). */
    rounds: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    /** loop: normalised entropy under which the answer is taken and no more rounds run (default 0.5). */
    stopBelow: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /**
     * branching: one branch per sub-query (the whole query too), per retriever of the pipeline's list (each alone,
     * not fused), or per retrieved document (default "subquery").
     */
    branchBy: Type.Optional(Type.Union([Type.Literal('subquery'), Type.Literal('retriever'), Type.Literal('documents')])),
    /** branching: the most branches (default 4). */
    maxBranches: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
    /** agentic: LLM calls (plan, tool calls, answer) at most before it answers from what it found (default 6). */
    maxSteps: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    /** agentic: malformed tool calls in a row after which it stops asking the LLM (default 3). */
    maxMalformed: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    /** agentic: passages one `search` shows the LLM (default 5). */
    searchK: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    /** agentic: token budget of what one `read` of a document returns (default 600). */
    readTokens: Type.Optional(Type.Integer({ minimum: 32, maximum: 32768 })),
    /** Chunks fetched from the retriever before reranking. */
    retrieveK: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
    /**
     * "none", "lexical" (model-free), "llm" (needs the `llm` section), or a reranker named under `rerankers`; a list
     * of them is an ensemble aggregated by reciprocal rank (`rerankers` for its settings).
     */
    reranker: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 2, maxItems: 8 })], { default: 'lexical' }),
    /** An ensemble of rerankers with its aggregation settings (instead of `reranker`). */
    rerankers: Type.Optional(RerankerEnsembleSchema),
    /** Chunks kept after reranking, before budgeted selection. */
    rerankK: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
    /** Token budget of the context handed to the reader. */
    contextTokens: Type.Integer({ minimum: CONTEXT_TOKENS.min, maximum: CONTEXT_TOKENS.max, default: 1200 }),
    /** Normalised entropy above which the pipeline abstains rather than guess. */
    abstainAbove: Type.Number({ minimum: 0, maximum: 1, default: 0.98 }),
    /**
     * Who answers from the passages: the model-free extractive reader (sentences; `extractive-spans`: short answers
     * and options for factoid questions; `extractive-linked`: also the linked passages' titles, for multi-hop
     * questions; `extractive-bridge`: spans from the passages the question's subject links to), or the LLM (needs the `llm` section); a list of them is an ensemble whose answers are clustered and
     * weighted by entropy (`generators` for its settings). For agentic, who answers from the evidence found when the
     * LLM stops without calling `answer`.
     */
    generator: Type.Union([GeneratorNameSchema, Type.Array(GeneratorNameSchema, { minItems: 2, maxItems: 3 })], { default: 'extractive' }),
    /** An ensemble of generators with its settings (instead of `generator`). */
    generators: Type.Optional(GeneratorEnsembleSchema),
    /**
     * How the context is cut to contextTokens: "budget" takes reranked chunks whole; "hierarchical" refines the
     * whole documents of the top chunks (LongRefiner, the `refiner` section).
     */
    refiner: Type.Union([Type.Literal('budget'), Type.Literal('hierarchical')], { default: 'budget' }),
  },
  Strict,
);

/** An ensemble of pipelines, combined by entropy-weighted voting or by an LLM that reads them all. */
export const EnsembleConfigSchema = Type.Object(
  {
    description: Type.Optional(Type.String()),
    /** Pipelines (by name) that answer the question concurrently. */
    members: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 16 }),
    /**
     * "vote": clusters of candidate answers weighted by exp(-beta * entropy). "generative": after the vote, the LLM
     * (the `llm` section) reads every member's passages, answer and weight and writes the answer.
     */
    mode: Type.Union([Type.Literal('vote'), Type.Literal('generative')], { default: 'vote' }),
    /** mode "generative": what the aggregating LLM is given, and how long it may take. */
    aggregation: Type.Object(
      {
        /** Token budget of the members' passages, deduplicated, shown to the LLM. */
        contextTokens: Type.Integer({ minimum: 64, maximum: 65536, default: 2000 }),
        /** Passages taken from each member, its best first. */
        passagesPerMember: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
        /** The aggregation's own limit (the request's deadline applies anyway); past it the vote's answer stands. */
        timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
        /** Longest reply (default: llm.maxTokens). */
        maxTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 131072 })),
      },
      { ...Strict, default: {} },
    ),
    /** How strongly a member's (normalised) entropy lowers its weight; 0 weighs all members alike. */
    beta: Type.Number({ minimum: 0, maximum: 100, default: 2 }),
    /**
     * Temperature of each member's candidate distribution in the vote (p^(1/T), renormalised): above 1 a member's
     * near-certainty counts for less against members that agree with each other; 1 leaves it as reported.
     */
    temperature: Type.Number({ minimum: 0.1, maximum: 100, default: 1 }),
    /** The ensemble's normalised entropy above which it abstains ("not enough evidence"). */
    abstainAbove: Type.Number({ minimum: 0, maximum: 1, default: 0.97 }),
    /** A member slower than this is dropped (with a note); the request's deadline applies anyway. */
    memberTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  Strict,
);

/** The hierarchical refiner (LongRefiner): how documents are structured, queries analysed and nodes scored. */
export const RefinerConfigSchema = Type.Object(
  {
    /** Scores paragraphs: "lexical" (model-free) or a reranker named under `rerankers` (a cross-encoder). */
    scorer: Type.String({ minLength: 1, default: 'lexical' }),
    /** A local folder with tokenizer.json: budgets in that tokenizer's tokens; the calibrated estimate without. */
    tokenizerPath: Type.Optional(Type.String({ minLength: 1 })),
    /** Alpha (global vs local need): "auto" asks the LLM (label log-probabilities) when one is configured. */
    queryAnalysis: Type.Union([Type.Literal('auto'), Type.Literal('rules'), Type.Literal('llm')], { default: 'auto' }),
    /** Helpful sections from the outline: "auto" asks the LLM when one is configured, else titles are matched. */
    globalSelection: Type.Union([Type.Literal('auto'), Type.Literal('titles'), Type.Literal('llm')], { default: 'auto' }),
    /** Documents of the top chunks that are refined. */
    maxDocuments: Type.Integer({ minimum: 1, maximum: 100, default: 8 }),
    /** Paragraphs longer than this are scored and selected in runs of whole sentences. */
    maxUnitWords: Type.Integer({ minimum: 10, maximum: 5000, default: 40 }),
    /**
     * How documents are structured at ingestion: "rules" (markup headings; for plain text heading-like lines and
     * topic shifts) or "llm" (LongRefiner's tree format from the `llm` section's model; the rules as fallback).
     */
    structure: Type.Union([Type.Literal('rules'), Type.Literal('llm')], { default: 'rules' }),
    llmStructure: Type.Object(
      {
        /** Characters of a document shown to the model in one call; longer documents go in windows, merged. */
        windowChars: Type.Integer({ minimum: 500, maximum: 2000000, default: 16000 }),
        /** A document needing more windows keeps its rule-based structure (bounds the calls per document). */
        maxWindows: Type.Integer({ minimum: 1, maximum: 10000, default: 64 }),
        /** Structuring calls in flight at once for one ingestion batch (the llm section's cap applies too). */
        concurrency: Type.Integer({ minimum: 1, maximum: 256, default: 4 }),
        /** Most tokens of one reply: about 25 per paragraph of the window, plus the tags. */
        maxTokens: Type.Integer({ minimum: 64, maximum: 131072, default: 4096 }),
        /** Least share of the reply's abbreviated paragraphs that must be found in the text, else the rules. */
        minMatched: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
      },
      { ...Strict, default: {} },
    ),
  },
  Strict,
);

/** An OpenAI-compatible chat server (vLLM, llama.cpp server, Ollama, TGI, OpenAI) for generation and reranking. */
export const LlmConfigSchema = Type.Object(
  {
    /** The OpenAI-style base URL, /v1 included for most servers: http://127.0.0.1:8000/v1. */
    baseUrl: Type.String({ minLength: 1 }),
    /** Sent as a bearer token; never logged. Leave out for local servers that need none. */
    apiKey: Type.Optional(Type.String({ minLength: 1 })),
    model: Type.String({ minLength: 1 }),
    /** One attempt's limit: the whole reply, or for a stream the wait for its start and each pause within it. */
    timeoutMs: Type.Integer({ minimum: 100, default: 60000 }),
    /** Retries after a connection error, a timeout, 408, 429 or 5xx; never past the request's deadline. */
    maxRetries: Type.Integer({ minimum: 0, maximum: 10, default: 2 }),
    /** First backoff, doubled each retry, with jitter. */
    retryBaseMs: Type.Integer({ minimum: 1, default: 500 }),
    /** Longest wait between attempts; a Retry-After asking for more fails the request instead. */
    retryMaxMs: Type.Integer({ minimum: 1, default: 10000 }),
    /** Requests in flight to the server at once; more wait their turn. */
    concurrency: Type.Integer({ minimum: 1, maximum: 1024, default: 8 }),
    /** 0: the most likely answer, reproducible. */
    temperature: Type.Number({ minimum: 0, maximum: 2, default: 0 }),
    maxTokens: Type.Integer({ minimum: 1, maximum: 131072, default: 512 }),
    /** Alternatives per token the entropy is computed over (OpenAI allows up to 20; 1 would make it always 0). */
    topLogprobs: Type.Integer({ minimum: 2, maximum: 20, default: 5 }),
    /**
     * When the LLM generator cannot answer before the request's deadline (a hung or slow server) or at all
     * (unreachable, failing after its retries): "extractive" answers from the same passages with the extractive
     * reader, flagged `degraded`; "none" fails the request (504 or 503).
     */
    fallback: Type.Union([Type.Literal('extractive'), Type.Literal('none')], { default: 'extractive' }),
    /** Milliseconds of the request's deadline kept for that fallback: the LLM is given up on this long before it. */
    fallbackReserveMs: Type.Integer({ minimum: 0, maximum: 60000, default: 200 }),
    rerank: Type.Object(
      {
        /** Chunks the LLM reranker ranks in one prompt; the rest follow in their order. */
        window: Type.Integer({ minimum: 2, maximum: 100, default: 20 }),
        /** Characters of each chunk shown to it. */
        passageChars: Type.Integer({ minimum: 50, maximum: 20000, default: 800 }),
      },
      { ...Strict, default: {} },
    ),
  },
  Strict,
);

/** ONNX Runtime execution providers, tried in order; the first that loads the model runs it. */
const ExecutionProviders = Type.Array(
  Type.Union([Type.Literal('cuda'), Type.Literal('webgpu'), Type.Literal('dml'), Type.Literal('coreml'), Type.Literal('cpu')]),
  { minItems: 1, default: ['cpu'] },
);

/** Which ONNX file of the folder runs: fp32 is onnx/model.onnx, q8 onnx/model_quantized.onnx, fp16 onnx/model_fp16.onnx... */
const ModelDtype = Type.Union(
  [
    Type.Literal('fp32'),
    Type.Literal('fp16'),
    Type.Literal('q8'),
    Type.Literal('int8'),
    Type.Literal('uint8'),
    Type.Literal('q4'),
    Type.Literal('q4f16'),
    Type.Literal('bnb4'),
  ],
  { default: 'fp32' },
);

/** Settings every local (ONNX, transformers.js) model shares. */
const localModelFields = {
  /** A local model folder: config.json, tokenizer files, onnx/model.onnx. */
  modelPath: Type.String({ minLength: 1 }),
  /** Off by default: a missing folder is an error, never a download. On, a modelPath that is no folder is a Hub model id. */
  allowRemoteModels: Type.Boolean({ default: false }),
  /** Tokens per text (or query–passage pair), special tokens included; longer inputs are truncated. */
  maxLength: Type.Integer({ minimum: 8, maximum: 32768, default: 512 }),
  executionProviders: ExecutionProviders,
  dtype: ModelDtype,
};

/** Settings every HTTP model client shares. */
const httpModelFields = {
  apiKey: Type.Optional(Type.String({ minLength: 1 })),
  timeoutMs: Type.Integer({ minimum: 100, default: 30000 }),
  /** Requests in flight at once for one call. */
  concurrency: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
  /** Retries after a connection error, a timeout, 408, 429 or 5xx; never past the request's deadline. */
  maxRetries: Type.Integer({ minimum: 0, maximum: 10, default: 2 }),
  /** First backoff, doubled each retry, with jitter. */
  retryBaseMs: Type.Integer({ minimum: 1, default: 250 }),
  /** Longest wait between attempts; a Retry-After asking for more fails the request instead. */
  retryMaxMs: Type.Integer({ minimum: 1, default: 5000 }),
};

const embeddingFields = {
  /** Prepended to queries and passages: e5 wants "query: " and "passage: ", BGE a query instruction. */
  queryPrefix: Type.String({ default: '' }),
  passagePrefix: Type.String({ default: '' }),
  /** L2-normalise vectors, so a dot product is the cosine. */
  normalize: Type.Boolean({ default: true }),
  /** Texts per model call (local) or per request (http). */
  batchSize: Type.Integer({ minimum: 1, maximum: 4096, default: 32 }),
};

export const LocalEmbeddingsSchema = Type.Object(
  {
    provider: Type.Literal('local'),
    ...localModelFields,
    ...embeddingFields,
    /** "mean" over real tokens (e5, MiniLM), or the [CLS] state (BGE). */
    pooling: Type.Union([Type.Literal('mean'), Type.Literal('cls')], { default: 'mean' }),
  },
  Strict,
);

export const HttpEmbeddingsSchema = Type.Object(
  {
    provider: Type.Literal('http'),
    /** Base URL of an OpenAI-compatible API (POST {url}/embeddings): OpenAI, TEI, vLLM, Ollama, llama.cpp. */
    url: Type.String({ minLength: 1 }),
    model: Type.Optional(Type.String({ minLength: 1 })),
    ...httpModelFields,
    ...embeddingFields,
  },
  Strict,
);

/** The embedding model; its variant is chosen by `provider`. */
export const EmbeddingsConfigSchema = Type.Union([LocalEmbeddingsSchema, HttpEmbeddingsSchema]);
export const EMBEDDINGS_VARIANTS = { local: LocalEmbeddingsSchema, http: HttpEmbeddingsSchema };

const rerankerFallbackFields = {
  /**
   * "retrieval-order": a model that is unavailable (after the retries) or still busy `fallbackReserveMs` before the
   * request's deadline keeps the retrieval order, and the answer is flagged `degraded` (as the LLM reranker's with
   * llm.fallback); "none": that is the request's error (503/504).
   */
  fallback: Type.Union([Type.Literal('retrieval-order'), Type.Literal('none')], { default: 'retrieval-order' }),
  /** Time kept back from the model for the rest of the pipeline, when the request has a deadline. */
  fallbackReserveMs: Type.Integer({ minimum: 0, default: 1000 }),
};

export const CrossEncoderRerankerSchema = Type.Object(
  {
    kind: Type.Literal('cross-encoder'),
    ...localModelFields,
    /** Query–passage pairs per model call; one request's candidates go in as few calls as this allows. */
    batchSize: Type.Integer({ minimum: 1, maximum: 4096, default: 64 }),
    /** Report sigmoid(logit) in (0, 1) instead of the raw logit; the order is the same. */
    sigmoid: Type.Boolean({ default: false }),
    ...rerankerFallbackFields,
  },
  Strict,
);

export const HttpRerankerSchema = Type.Object(
  {
    kind: Type.Literal('http'),
    /** Server base URL: TEI answers POST {url}/rerank, Cohere/Jina/vLLM-style servers POST {url}/v1/rerank. */
    url: Type.String({ minLength: 1 }),
    api: Type.Union([Type.Literal('tei'), Type.Literal('cohere')], { default: 'tei' }),
    model: Type.Optional(Type.String({ minLength: 1 })),
    ...httpModelFields,
    /** Passages per request (TEI's default client batch limit is 32). */
    batchSize: Type.Integer({ minimum: 1, maximum: 4096, default: 32 }),
    ...rerankerFallbackFields,
  },
  Strict,
);

/** A named reranker a pipeline refers to; its variant is chosen by `kind`. */
export const RerankerConfigSchema = Type.Union([CrossEncoderRerankerSchema, HttpRerankerSchema]);
export const RERANKER_VARIANTS = { 'cross-encoder': CrossEncoderRerankerSchema, http: HttpRerankerSchema };

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
        // Not empty: listen() takes "" for every interface, so RAG_SERVER__HOST= (an unset shell variable) opened
        // the server to other machines instead of keeping the loopback default.
        host: Type.String({ minLength: 1, default: '127.0.0.1' }),
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
    ingest: Type.Object(
      {
        /** Threads that parse large documents off the event loop at most at once; 0 parses all on it. */
        parseThreads: Type.Integer({ minimum: 0, maximum: 64, default: 1 }),
        /**
         * Documents of at least this many characters are parsed in a thread. Some markup costs a parser the square of
         * its length (marked's table rule: 16,000 characters of "text, dash line" take about 0.14 s, 100,000 take
         * 3 s), so only short documents are parsed on the event loop.
         */
        parseInThreadFromChars: Type.Integer({ minimum: 1, default: 16_000 }),
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
        /** Dense retrieval over chunk vectors; the vectors come from the configured embedder. */
        dense: Type.Object(
          {
            /** Chunks per embedder call, at ingestion and in `rag reindex --vectors`. */
            embedBatchSize: Type.Integer({ minimum: 1, maximum: 4096, default: 32 }),
            /** Chunks per write transaction of `rag reindex --vectors`: an interrupted backfill resumes from there. */
            reindexBatchSize: Type.Integer({ minimum: 1, maximum: 100000, default: 512 }),
          },
          Strict,
        ),
        /** BM25 and dense fused on chunk ids. */
        hybrid: Type.Object(
          {
            /** "rrf": weighted reciprocal rank fusion; "normalized": min-max normalised scores, weighted sum. */
            fusion: Type.Union([Type.Literal('rrf'), Type.Literal('normalized')], { default: 'rrf' }),
            /** RRF's rank constant: 60 as in Cormack et al.; larger flattens the advantage of the top ranks. */
            rrfK: Type.Integer({ minimum: 1, maximum: 10000, default: 60 }),
            weights: Type.Object(
              {
                bm25: Type.Number({ minimum: 0, maximum: 100, default: 1 }),
                dense: Type.Number({ minimum: 0, maximum: 100, default: 1 }),
              },
              { ...Strict, default: { bm25: 1, dense: 1 } },
            ),
            /** Scale the weights per query by entropy: a retriever whose top scores are peaked counts more. */
            entropyWeights: Type.Boolean({ default: false }),
            /** Candidates each retriever contributes before fusion (at least the k asked for). */
            depth: Type.Integer({ minimum: 1, maximum: 4096, default: 100 }),
          },
          Strict,
        ),
      },
      Strict,
    ),
    /** Query understanding (Omni-RAG): spelling correction, decomposition, and how sub-query results are fused. */
    query: Type.Object(
      {
        /** Correct misspelt words against the index's own vocabulary. */
        denoise: Type.Boolean({ default: true }),
        /** Largest edit distance of a correction (words of four letters get at most one). */
        maxEditDistance: Type.Integer({ minimum: 1, maximum: 2, default: 2 }),
        /** Split multi-intent questions into sub-queries, each retrieved for. */
        decompose: Type.Boolean({ default: true }),
        maxSubQueries: Type.Integer({ minimum: 1, maximum: 8, default: 4 }),
        /** "llm": one call to the configured LLM repairs and splits the query (the rules are the fallback). */
        rewriter: Type.Union([Type.Literal('rules'), Type.Literal('llm')], { default: 'rules' }),
        /**
         * Longest wait for the LLM rewriter (never more than half the request's time left): past it, or when the LLM
         * is down, the rule-based plan stands and the answer says so in `degraded`.
         */
        rewriteTimeoutMs: Type.Integer({ minimum: 1, default: 3000 }),
        /** "rrf": reciprocal rank fusion; "entropy-rrf": each list weighted by how peaked its top scores are. */
        fusion: Type.Union([Type.Literal('rrf'), Type.Literal('entropy-rrf')], { default: 'rrf' }),
        /** Hits each sub-query adds to the fusion (the whole query adds all it retrieves): its best evidence only. */
        subQueryDepth: Type.Integer({ minimum: 1, maximum: 1000, default: 2 }),
      },
      Strict,
    ),
    opensearch: OpenSearchConfigSchema,
    limits: Type.Object(
      {
        maxQueryChars: Type.Integer({ minimum: 16, default: 4096 }),
        maxK: Type.Integer({ minimum: 1, default: 1000 }),
        maxBatchDocuments: Type.Integer({ minimum: 1, default: 10000 }),
        /** Questions in one POST /v1/batch job. */
        maxBatchQuestions: Type.Integer({ minimum: 1, default: 1000 }),
        /** POST /v1/batch jobs running at once; one more is answered 429 until one finishes. */
        maxRunningBatchJobs: Type.Integer({ minimum: 1, default: 8 }),
        maxDocumentChars: Type.Integer({ minimum: 1, default: 5_000_000 }),
      },
      Strict,
    ),
    defaultPipeline: Type.String({ minLength: 1, default: 'default' }),
    /** Named pipelines (names of letters, digits, '_', '.', '-'; checked in validateConfig). */
    pipelines: Type.Record(Type.String(), PipelineConfigSchema, {
      default: { default: { kind: 'sequential' } },
    }),
    /** Named ensembles of pipelines (names may not repeat a pipeline's); a request picks one with `ensemble`. */
    ensembles: Type.Record(Type.String(), EnsembleConfigSchema, { default: {} }),
    /** Shared by the cache and the rate limits; without a URL both stay in process. */
    redis: Type.Object(
      {
        url: Type.Optional(Type.String({ pattern: '^rediss?://' })),
        keyPrefix: Type.String({ default: 'rag:' }),
        /** A Redis command slower than this counts as a failure: the request goes on without the cache. */
        commandTimeoutMs: Type.Integer({ minimum: 1, default: 200 }),
      },
      Strict,
    ),
    cache: Type.Object(
      {
        /** Caches whole query and retrieve responses; keys include the index version, so ingestion invalidates. */
        enabled: Type.Boolean({ default: true }),
        ttlSeconds: Type.Integer({ minimum: 1, default: 300 }),
        /** Entries of the in-process cache (used when no Redis URL is set). */
        maxEntries: Type.Integer({ minimum: 1, default: 2000 }),
      },
      Strict,
    ),
    auth: Type.Object(
      {
        /** Bearer keys for /v1/*; none means the API is open (fine on 127.0.0.1, not beyond). */
        apiKeys: Type.Array(
          Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 64 }),
              key: Type.String({ minLength: 16, description: 'The secret itself; never logged' }),
              /** Requests per window for this key; 0 means no limit. Overrides rateLimit.max. */
              rateLimit: Type.Optional(Type.Integer({ minimum: 0 })),
            },
            Strict,
          ),
          { default: [] },
        ),
        rateLimit: Type.Object(
          {
            /** Requests per window for each key (or client address when no keys are set); 0 turns limits off. */
            max: Type.Integer({ minimum: 0, default: 0 }),
            windowMs: Type.Integer({ minimum: 1000, default: 60000 }),
          },
          Strict,
        ),
        /** Ask for a key on /metrics too. */
        protectMetrics: Type.Boolean({ default: false }),
      },
      Strict,
    ),
    /** Optional: without it, pipelines that name "llm" are a configuration error. */
    llm: Type.Optional(LlmConfigSchema),
    embeddings: Type.Optional(EmbeddingsConfigSchema),
    /** Named rerankers (names of letters, digits, '_', '.', '-'; "none" and "lexical" are built in). */
    rerankers: Type.Record(Type.String(), RerankerConfigSchema, { default: {} }),
    refiner: Type.Object(RefinerConfigSchema.properties, { ...Strict, default: {} }),
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
export type EnsembleConfig = Static<typeof EnsembleConfigSchema>;
export type RetrieverEnsembleConfig = Static<typeof RetrieverEnsembleSchema>;
export type RerankerEnsembleConfig = Static<typeof RerankerEnsembleSchema>;
export type GeneratorEnsembleConfig = Static<typeof GeneratorEnsembleSchema>;
export type LlmConfig = Static<typeof LlmConfigSchema>;
export type QueryConfig = Static<typeof ConfigSchema>['query'];
export type EmbeddingsConfig = Static<typeof EmbeddingsConfigSchema>;
export type LocalEmbeddingsConfig = Static<typeof LocalEmbeddingsSchema>;
export type HttpEmbeddingsConfig = Static<typeof HttpEmbeddingsSchema>;
export type RerankerConfig = Static<typeof RerankerConfigSchema>;
export type CrossEncoderRerankerConfig = Static<typeof CrossEncoderRerankerSchema>;
export type HttpRerankerConfig = Static<typeof HttpRerankerSchema>;
export type RefinerConfig = Static<typeof RefinerConfigSchema>;
export type OpenSearchConfig = Static<typeof OpenSearchConfigSchema>;
