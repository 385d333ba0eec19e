import { join } from 'node:path';
import { ensureTinyModels, type TinyModelPaths } from '../../scripts/tiny-models/tiny-models.js';

/** Where the generated test models are cached (git-ignored). */
export const TINY_MODELS_CACHE = join(import.meta.dirname, '../../test-artifacts/tiny-models');

/**
 * The tiny ONNX test models (real BERT graph and WordPiece tokenizer, random weights): generated once by the global
 * setup into test-artifacts/, reused by every test file.
 */
export function tinyModels(): TinyModelPaths {
  return ensureTinyModels(TINY_MODELS_CACHE);
}
