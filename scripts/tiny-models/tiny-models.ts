import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bertOnnx, type BertHead, type BertSpec } from './bert-onnx.js';
import { specialTokensMapJson, tinyVocabulary, tokenizerConfigJson, tokenizerJson } from './wordpiece-tokenizer.js';

/** Sizes of the test models: small enough to generate and run in milliseconds, shaped like BERT-base. */
export const TINY_BERT: Omit<BertSpec, 'vocabSize' | 'seed'> = {
  hidden: 32,
  heads: 4,
  intermediate: 64,
  layers: 2,
  maxPositions: 512,
  typeVocabSize: 2,
};

export interface TinyModelPaths {
  /** A feature-extraction model folder (BertModel: last_hidden_state). */
  embedder: string;
  /** A BGE-reranker-shaped folder (BertForSequenceClassification, one logit). */
  crossEncoder: string;
}

/** Another shape for a test of its own: other sizes, or a tokenizer that claims more tokens than the graph takes. */
export interface TinyModelVariant extends Partial<Omit<BertSpec, 'vocabSize' | 'seed'>> {
  tokenizerMaxLength?: number;
}

/**
 * Writes a model folder as transformers.js loads it: config.json, the tokenizer files and onnx/model.onnx (the
 * fp32 file; dtype q8 would look for onnx/model_quantized.onnx, which is not written).
 */
export function writeTinyModel(dir: string, head: BertHead, seed: number, variant: TinyModelVariant = {}): void {
  const vocab = tinyVocabulary();
  const { tokenizerMaxLength, ...sizes } = variant;
  const spec: BertSpec = { ...TINY_BERT, ...sizes, vocabSize: vocab.length, seed };
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const config: Record<string, unknown> = {
    model_type: 'bert',
    architectures: [head === 'encoder' ? 'BertModel' : 'BertForSequenceClassification'],
    vocab_size: spec.vocabSize,
    hidden_size: spec.hidden,
    num_attention_heads: spec.heads,
    num_hidden_layers: spec.layers,
    intermediate_size: spec.intermediate,
    hidden_act: 'gelu',
    max_position_embeddings: spec.maxPositions,
    type_vocab_size: spec.typeVocabSize,
    layer_norm_eps: 1e-12,
    pad_token_id: 0,
  };
  if (head === 'cross-encoder') {
    config['id2label'] = { '0': 'LABEL_0' };
    config['label2id'] = { LABEL_0: 0 };
  }
  const json = (name: string, value: unknown): void => writeFileSync(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  json('config.json', config);
  json('tokenizer.json', tokenizerJson(vocab));
  json('tokenizer_config.json', tokenizerConfigJson(tokenizerMaxLength ?? spec.maxPositions));
  json('special_tokens_map.json', specialTokensMapJson());
  writeFileSync(join(dir, 'vocab.txt'), `${vocab.join('\n')}\n`);
  writeFileSync(join(dir, 'onnx', 'model.onnx'), bertOnnx(spec, head));
}

/** A hash of the generator's own source, so a changed generator never reuses models cached by an older one. */
function generatorHash(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const hash = createHash('sha256');
  for (const f of ['tiny-models', 'bert-onnx', 'onnx-graph-builder', 'wordpiece-tokenizer']) hash.update(readFileSync(join(here, `${f}.ts`)));
  return hash.digest('hex').slice(0, 12);
}

/**
 * Generates the tiny models once into `cacheRoot/<generator hash>/` and returns their folders. Safe when several
 * processes race: each writes into its own temporary folder and renames it into place; the loser drops its copy.
 */
export function ensureTinyModels(cacheRoot: string): TinyModelPaths {
  const root = join(cacheRoot, generatorHash());
  const paths: TinyModelPaths = { embedder: join(root, 'embedder'), crossEncoder: join(root, 'cross-encoder') };
  if (existsSync(join(root, 'complete'))) return paths;
  mkdirSync(cacheRoot, { recursive: true });
  const tmp = `${root}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeTinyModel(join(tmp, 'embedder'), 'encoder', 1);
  writeTinyModel(join(tmp, 'cross-encoder'), 'cross-encoder', 2);
  writeFileSync(join(tmp, 'complete'), '');
  try {
    renameSync(tmp, root);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(root, 'complete'))) throw err;
  }
  return paths;
}
