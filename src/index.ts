/** The library API: embed the platform in an application without the HTTP server. */
export {
  Rag,
  DEFAULT_RETRIEVE_K,
  type IngestResult,
  type QueryEvent,
  type QueryRequest,
  type QueryResponse,
  type RagOptions,
  type ReindexOptions,
  type RetrieveRequest,
  type RetrieveResponse,
  type TraceView,
} from './rag.js';
export { defaultConfigPath, loadConfig, validateConfig, type Config, type PipelineConfig, type RetrieverName } from './core/config.js';
export { RagError, type ErrorCode } from './core/errors.js';
export { RunContext, type RunContextOptions } from './core/run-context.js';
export { Trace, type Span } from './core/trace.js';
export type * from './core/types.js';
export { Retriever } from './retrievers/retriever.js';
export { Bm25Retriever } from './retrievers/bm25-retriever.js';
export { DenseRetriever } from './retrievers/dense-retriever.js';
export { HybridRetriever, type HybridRetrieverOptions } from './retrievers/hybrid-retriever.js';
export { bordaFusion, entropyWeights, normalizedScoreFusion, reciprocalRankFusion, type RankedList } from './retrievers/fusion.js';
export { Embedder } from './models/embedder.js';
export { OpenSearchBm25Retriever } from './retrievers/opensearch-bm25-retriever.js';
export { OpenSearchKnnRetriever } from './retrievers/opensearch-knn-retriever.js';
export { FusedRetriever, type FusionMethod, type FusedMember } from './retrievers/fused-retriever.js';
export { FallbackRetriever } from './retrievers/fallback-retriever.js';
export { OpenSearchStore, type WriteFailure, type WriteResult } from './store/opensearch-store.js';
export { launchOpenSearch, OpenSearchNode, type OpenSearchLaunchOptions } from './store/opensearch-launcher.js';
export { Reranker } from './rerankers/reranker.js';
export { LexicalReranker } from './rerankers/lexical-reranker.js';
export { RerankerEnsemble, type RerankerEnsembleOptions } from './ensemble/reranker-ensemble.js';
export { GeneratorEnsemble } from './ensemble/generator-ensemble.js';
export { Pipeline, type PipelineRunOptions } from './pipelines/pipeline.js';
export { SequentialPipeline } from './pipelines/sequential-pipeline.js';
export { ExtractiveReader } from './models/extractive-reader.js';
export { Reader, type ReaderEvent, type ReaderOutput } from './models/reader.js';
export { ChatModel, type ChatServerStatus } from './models/chat-model.js';
export type * from './models/chat-types.js';
export { OpenAiChatClient, type OpenAiChatClientOptions } from './models/openai-chat-client.js';
export { LlmGenerator, type LlmGeneratorOptions } from './models/llm-generator.js';
export { LlmReranker, type LlmRerankerOptions } from './rerankers/llm-reranker.js';
export { TransformersEmbedder } from './models/transformers-embedder.js';
export { HttpEmbedder } from './models/http-embedder.js';
export type { ModelComponent, ModelStatus } from './models/model-status.js';
export { CrossEncoderReranker } from './rerankers/cross-encoder-reranker.js';
export { HttpReranker } from './rerankers/http-reranker.js';
export { SqliteStore } from './store/sqlite-store.js';
export { Ingestor } from './store/ingestor.js';
export type { EmbeddingSpace } from './store/embedding-space.js';
export { buildApp } from './server/app.js';
export { HttpRagClient, type HttpRagClientOptions } from './client/http-rag-client.js';
export type { RagBackend, RagCallOptions } from './client/rag-backend.js';
export { RagRetriever, type RagRetrieverInput } from './langchain/rag-retriever.js';
export { RagAnswerRunnable, type RagAnswerInput, type RagTarget } from './langchain/rag-answer-runnable.js';
export { RagAnswerTextRunnable } from './langchain/rag-answer-text-runnable.js';
