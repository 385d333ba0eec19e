import type { EmbeddingsConfig } from '../core/config.js';
import type { Embedder } from './embedder.js';
import { HttpEmbedder } from './http-embedder.js';
import type { ModelComponent } from './model-status.js';
import { TransformersEmbedder } from './transformers-embedder.js';

/** The embedder the `embeddings` section describes (not loaded yet: `load()` at start-up). */
export function createEmbedder(config: EmbeddingsConfig): Embedder & ModelComponent {
  if (config.provider === 'local') {
    const { provider: _provider, ...options } = config;
    return new TransformersEmbedder(options);
  }
  const { provider: _provider, ...options } = config;
  return new HttpEmbedder(options);
}
