import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../../../src/core/config.js';
import { ragErrorOf } from '../../helpers/errors.js';

/** The `embeddings` and `rerankers` sections: variants chosen by a key, their defaults, and errors naming the setting. */

const DEFAULT_YAML = resolve(import.meta.dirname, '../../../config/default.yaml');
const base = { pipelines: { default: { kind: 'sequential' } } };

describe('embeddings configuration', () => {
  it('is absent by default: the embedded tier needs no model', () => {
    const config = loadConfig({ files: [DEFAULT_YAML], env: {} });
    expect(config.embeddings).toBeUndefined();
    expect(config.rerankers).toEqual({});
  });

  it('fills a local model’s defaults: mean pooling, normalised, batch 32, 512 tokens, cpu, fp32, no remote loading', () => {
    const config = validateConfig({ ...base, embeddings: { provider: 'local', modelPath: 'models/e5-small' } });
    expect(config.embeddings).toEqual({
      provider: 'local',
      modelPath: 'models/e5-small',
      allowRemoteModels: false,
      maxLength: 512,
      executionProviders: ['cpu'],
      dtype: 'fp32',
      queryPrefix: '',
      passagePrefix: '',
      normalize: true,
      batchSize: 32,
      pooling: 'mean',
    });
  });

  it('fills an http model’s defaults and keeps its url, model and key', () => {
    const config = validateConfig({ ...base, embeddings: { provider: 'http', url: 'http://tei:8080/v1', model: 'bge', apiKey: 'k' } });
    expect(config.embeddings).toMatchObject({ provider: 'http', url: 'http://tei:8080/v1', model: 'bge', apiKey: 'k', timeoutMs: 30000, batchSize: 32, concurrency: 4 });
  });

  it('takes every setting from the environment, numbers and lists converted', () => {
    const config = loadConfig({
      files: [DEFAULT_YAML],
      env: {
        RAG_EMBEDDINGS__PROVIDER: 'local',
        RAG_EMBEDDINGS__MODEL_PATH: '/models/e5',
        RAG_EMBEDDINGS__BATCH_SIZE: '16',
        RAG_EMBEDDINGS__QUERY_PREFIX: 'query: ',
        RAG_EMBEDDINGS__EXECUTION_PROVIDERS: '["cuda","cpu"]',
        RAG_EMBEDDINGS__NORMALIZE: 'false',
      },
    });
    expect(config.embeddings).toMatchObject({ provider: 'local', modelPath: '/models/e5', batchSize: 16, queryPrefix: 'query: ', executionProviders: ['cuda', 'cpu'], normalize: false });
  });

  it('names the bad setting inside the chosen variant', () => {
    const e = ragErrorOf(() => validateConfig({ ...base, embeddings: { provider: 'local', modelPath: 'm', batchSize: 0, pooling: 'max' } }));
    expect(e.code).toBe('CONFIG');
    expect(e.message).toContain('embeddings.batchSize');
    expect(e.message).toContain('embeddings.pooling');
    expect(e.message).not.toMatch(/embeddings: Expected union/);
  });

  it('lists the allowed values of a fixed-value setting inside a variant (dtype, pooling, providers, api)', () => {
    const local = ragErrorOf(() =>
      validateConfig({ ...base, embeddings: { provider: 'local', modelPath: 'm', dtype: 'float32', pooling: 'max', executionProviders: ['tpu'] } }),
    );
    expect(local.message).toContain('embeddings.dtype: must be one of "fp32", "fp16", "q8", "int8", "uint8", "q4", "q4f16", "bnb4" (got "float32")');
    expect(local.message).toContain('embeddings.pooling: must be one of "mean", "cls" (got "max")');
    expect(local.message).toContain('embeddings.executionProviders.0: must be one of "cuda", "webgpu", "dml", "coreml", "cpu" (got "tpu")');
    expect(local.message).not.toContain('Expected union');
    const reranker = ragErrorOf(() => validateConfig({ ...base, rerankers: { r: { kind: 'http', url: 'http://x', api: 'jina' } } }));
    expect(reranker.message).toContain('rerankers.r.api: must be one of "tei", "cohere" (got "jina")');
  });

  it('rejects a setting of the other variant, an unknown provider and a missing modelPath', () => {
    expect(ragErrorOf(() => validateConfig({ ...base, embeddings: { provider: 'local', modelPath: 'm', url: 'http://x' } })).message).toContain('embeddings.url');
    const unknown = ragErrorOf(() => validateConfig({ ...base, embeddings: { provider: 'onnx', modelPath: 'm' } }));
    expect(unknown.message).toMatch(/embeddings\.provider: must be one of "local", "http" \(got "onnx"\)/);
    expect(ragErrorOf(() => validateConfig({ ...base, embeddings: { provider: 'local' } })).message).toContain('embeddings.modelPath');
    expect(ragErrorOf(() => validateConfig({ ...base, embeddings: { provider: 'local', modelPath: 'm', executionProviders: ['tpu'] } })).message).toContain(
      'embeddings.executionProviders',
    );
  });
});

describe('config/local-models.example.yaml', () => {
  it('is a valid configuration with an embedder, a cross-encoder and a pipeline using it', () => {
    const config = loadConfig({ files: [DEFAULT_YAML, resolve(import.meta.dirname, '../../../config/local-models.example.yaml')], env: {} });
    expect(config.embeddings?.provider).toBe('local');
    expect(config.rerankers['cross']?.kind).toBe('cross-encoder');
    expect(config.pipelines['neural']?.reranker).toBe('cross');
  });
});

describe('rerankers configuration', () => {
  it('defines named cross-encoder and http rerankers with their defaults, which a pipeline names', () => {
    const config = validateConfig({
      rerankers: { cross: { kind: 'cross-encoder', modelPath: 'models/bge-reranker' }, tei: { kind: 'http', url: 'http://tei:8080' } },
      pipelines: { default: { kind: 'sequential', reranker: 'cross' }, remote: { kind: 'sequential', reranker: 'tei' } },
    });
    expect(config.rerankers['cross']).toEqual({
      kind: 'cross-encoder',
      modelPath: 'models/bge-reranker',
      allowRemoteModels: false,
      maxLength: 512,
      executionProviders: ['cpu'],
      dtype: 'fp32',
      batchSize: 64,
      sigmoid: false,
      fallback: 'retrieval-order',
      fallbackReserveMs: 1000,
    });
    expect(config.rerankers['tei']).toEqual({
      kind: 'http',
      url: 'http://tei:8080',
      api: 'tei',
      timeoutMs: 30000,
      concurrency: 4,
      maxRetries: 2,
      retryBaseMs: 250,
      retryMaxMs: 5000,
      batchSize: 32,
      fallback: 'retrieval-order',
      fallbackReserveMs: 1000,
    });
    expect(config.pipelines['default']?.reranker).toBe('cross');
  });

  it('rejects a pipeline naming a reranker that is not defined, listing the known ones', () => {
    const e = ragErrorOf(() => validateConfig({ rerankers: { cross: { kind: 'cross-encoder', modelPath: 'm' } }, pipelines: { default: { kind: 'sequential', reranker: 'crosss' } } }));
    expect(e.message).toContain('pipelines.default.reranker');
    expect(e.message).toContain('none, lexical, llm, cross');
  });

  it('names the bad setting of a reranker and rejects reserved or malformed names', () => {
    expect(ragErrorOf(() => validateConfig({ ...base, rerankers: { tei: { kind: 'http', url: 'http://x', api: 'jina' } } })).message).toContain('rerankers.tei.api');
    expect(ragErrorOf(() => validateConfig({ ...base, rerankers: { x: { kind: 'llm' } } })).message).toContain('rerankers.x.kind');
    expect(ragErrorOf(() => validateConfig({ ...base, rerankers: { lexical: { kind: 'http', url: 'http://x' } } })).message).toContain('may not be');
    expect(ragErrorOf(() => validateConfig({ ...base, rerankers: { 'a b': { kind: 'http', url: 'http://x' } } })).message).toContain('rerankers.a b');
  });
});
