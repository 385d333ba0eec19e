/**
 * transformers.js (with onnxruntime) costs ~150 MiB of memory and a noticeable start-up once imported, and the
 * default server uses no local model: it is imported on first use, when a model or tokenizer is loaded.
 */
type TransformersModule = typeof import('@huggingface/transformers');

let loaded: TransformersModule | undefined;

/** The module, importing it on first use. */
export async function transformers(): Promise<TransformersModule> {
  loaded ??= await import('@huggingface/transformers');
  return loaded;
}

/** The module once a model has been loaded through `transformers()` (every tensor comes from a loaded model). */
export function loadedTransformers(): TransformersModule {
  if (!loaded) throw new Error('transformers.js is used before any model was loaded');
  return loaded;
}
