/**
 * Writes the tiny test models (random weights, real BERT architecture and tokenizer files).
 *   npx tsx scripts/make-tiny-models.ts [out-dir]     (default: test-artifacts/tiny-models)
 * Prints the two model folders; point embeddings.modelPath or a cross-encoder reranker's modelPath at them.
 */
import { resolve } from 'node:path';
import { ensureTinyModels } from './tiny-models/tiny-models.js';

const out = resolve(process.argv[2] ?? 'test-artifacts/tiny-models');
const started = performance.now();
const paths = ensureTinyModels(out);
console.log(`embedder:      ${paths.embedder}`);
console.log(`cross-encoder: ${paths.crossEncoder}`);
console.log(`(${Math.round(performance.now() - started)} ms)`);
