import type { RerankerConfig } from '../core/config.js';
import type { ModelComponent } from '../models/model-status.js';
import { CrossEncoderReranker } from './cross-encoder-reranker.js';
import { HttpReranker } from './http-reranker.js';
import type { Reranker } from './reranker.js';

/** A named reranker from the `rerankers` section (not loaded yet: `load()` at start-up). */
export function createReranker(name: string, config: RerankerConfig): Reranker & ModelComponent {
  const standIn = config.fallback === 'retrieval-order' ? { fallback: { reserveMs: config.fallbackReserveMs } } : {};
  if (config.kind === 'cross-encoder') {
    const { kind: _kind, fallback: _fallback, fallbackReserveMs: _reserve, ...options } = config;
    return new CrossEncoderReranker(name, { ...options, ...standIn });
  }
  const { kind: _kind, fallback: _fallback, fallbackReserveMs: _reserve, ...options } = config;
  return new HttpReranker(name, { ...options, ...standIn });
}
