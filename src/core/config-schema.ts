import { Type, type Static } from '@sinclair/typebox';

/** Every setting the server knows; unknown keys are rejected so a typo never goes unnoticed. */
const Strict = { additionalProperties: false } as const;

/** The retrievers a pipeline or a /v1/retrieve request can name; dense and hybrid need an embedder. */
export const RETRIEVER_NAMES = ['bm25', 'dense', 'hybrid'] as const;
export const RetrieverNameSchema = Type.Union([Type.Literal('bm25'), Type.Literal('dense'), Type.Literal('hybrid')]);
export type RetrieverName = Static<typeof RetrieverNameSchema>;

export const PipelineConfigSchema = Type.Object(
  {
    kind: Type.Literal('sequential'),
    description: Type.Optional(Type.String()),
    /** Which retriever the pipeline uses: lexical (bm25), vectors (dense), or both fused (hybrid). */
    retriever: Type.Union([Type.Literal('bm25'), Type.Literal('dense'), Type.Literal('hybrid')], { default: 'bm25' }),
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
