/** What a model server called over HTTP (an embeddings or a rerank endpoint) is configured with, whatever its task. */
export interface HttpModelOptions {
  model?: string;
  apiKey?: string;
  timeoutMs: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Retries of a transient failure (connection, timeout, 408, 429, 5xx), after Retry-After or a jittered backoff. */
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Texts (passages) per request. */
  batchSize: number;
}
