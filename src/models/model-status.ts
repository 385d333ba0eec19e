import type { ExecutionProvider, ProviderFailure } from './execution-providers.js';
import type { ModelProbe } from './model-probe.js';

/** What a loaded model reports at start-up (the log) and in /readyz: where it runs and on what. */
export interface ModelStatus {
  /** Where the platform uses it: "embeddings", or "reranker.<name>". */
  role: string;
  kind: 'local' | 'http';
  /** The model folder (local) or the endpoint (http). */
  source: string;
  /** The model name sent to a server, when configured. */
  model?: string;
  /** The execution provider that actually runs a local model. */
  provider?: ExecutionProvider;
  /** The providers the configuration asked for, in order. */
  requestedProviders?: ExecutionProvider[];
  /** Providers tried before `provider`, and why each could not run the model. */
  fallbacks?: ProviderFailure[];
  dtype?: string;
  /** Vector length of an embedding model. */
  dimensions?: number;
  /** Tokens per input after which text is truncated: the configured maxLength, capped at what the model takes. */
  maxLength?: number;
  /** What the start-up logs as warnings, e.g. a maxLength capped at the model's limit. */
  warnings?: string[];
  loadMs: number;
}

/** A model-backed component: loaded (or its server checked) once at start-up, then reporting its status. */
export interface ModelComponent {
  load(): Promise<void>;
  /** Throws when called before `load()` succeeded. */
  status(): ModelStatus;
  /** Releases the model's memory (ONNX sessions); a no-op for HTTP clients. */
  dispose(): Promise<void>;
  /**
   * Whether the model's server answers now (HTTP models only: a local model that loaded stays loaded), within
   * `timeoutMs`, the answer kept for a few seconds; never throws.
   */
  probe?(timeoutMs: number): Promise<ModelProbe>;
}
