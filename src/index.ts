/** The library API: embed the platform in an application without the HTTP server. */
export { Rag, type QueryRequest, type QueryResponse, type RetrieveResponse } from './rag.js';
export { loadConfig, validateConfig, type Config, type PipelineConfig } from './core/config.js';
export { RagError, type ErrorCode } from './core/errors.js';
export { RunContext, type RunContextOptions } from './core/run-context.js';
export { Trace, type Span } from './core/trace.js';
export type * from './core/types.js';
export { Retriever } from './retrievers/retriever.js';
export { Bm25Retriever } from './retrievers/bm25-retriever.js';
export { Reranker } from './rerankers/reranker.js';
export { LexicalReranker } from './rerankers/lexical-reranker.js';
export { Pipeline, type PipelineRunOptions } from './pipelines/pipeline.js';
export { SequentialPipeline } from './pipelines/sequential-pipeline.js';
export { ExtractiveReader } from './models/extractive-reader.js';
export { SqliteStore } from './store/sqlite-store.js';
export { Ingestor } from './store/ingestor.js';
export { buildApp } from './server/app.js';
