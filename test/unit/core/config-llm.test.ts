import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../../../src/core/config.js';
import { ragErrorOf } from '../../helpers/errors.js';

/** The optional `llm` section and the pipeline settings that need it. */

const DEFAULT_YAML = resolve(import.meta.dirname, '../../../config/default.yaml');
const LLM = { baseUrl: 'http://127.0.0.1:8000/v1', model: 'qwen2.5-7b-instruct' };

describe('the llm section', () => {
  it('is absent by default, and pipelines default to the extractive reader', () => {
    const config = loadConfig({ files: [DEFAULT_YAML], env: {} });
    expect(config.llm).toBeUndefined();
    for (const p of Object.values(config.pipelines)) expect(p.generator).toBe('extractive');
  });

  it('gets its defaults when present, the rerank subsection included', () => {
    const config = validateConfig({ llm: LLM, pipelines: { default: { kind: 'sequential', generator: 'llm', reranker: 'llm' } } });
    expect(config.llm).toEqual({
      ...LLM,
      timeoutMs: 60000,
      maxRetries: 2,
      retryBaseMs: 500,
      retryMaxMs: 10000,
      concurrency: 8,
      temperature: 0,
      maxTokens: 512,
      topLogprobs: 5,
      fallback: 'extractive',
      fallbackReserveMs: 200,
      rerank: { window: 20, passageChars: 800 },
    });
    expect(config.pipelines['default']?.generator).toBe('llm');
    expect(config.pipelines['default']?.reranker).toBe('llm');
  });

  it('comes from the environment too, numbers converted', () => {
    const config = loadConfig({
      files: [DEFAULT_YAML],
      env: {
        RAG_LLM__BASE_URL: 'http://gpu-box:8000/v1',
        RAG_LLM__MODEL: 'llama-3.1-8b',
        RAG_LLM__API_KEY: 'sk-env',
        RAG_LLM__TOP_LOGPROBS: '10',
        RAG_LLM__RERANK__WINDOW: '8',
      },
    });
    expect(config.llm).toMatchObject({ baseUrl: 'http://gpu-box:8000/v1', model: 'llama-3.1-8b', apiKey: 'sk-env', topLogprobs: 10, rerank: { window: 8, passageChars: 800 } });
  });

  it('a pipeline that uses the LLM without an llm section is a CONFIG error naming the pipeline and setting', () => {
    const gen = ragErrorOf(() => validateConfig({ pipelines: { default: { kind: 'sequential' }, smart: { kind: 'sequential', generator: 'llm' } } }));
    expect(gen.code).toBe('CONFIG');
    expect(gen.message).toBe('invalid configuration:\n  pipelines.smart.generator: "llm" needs an llm section (at least llm.baseUrl and llm.model)');
    const rr = ragErrorOf(() => validateConfig({ pipelines: { default: { kind: 'sequential', reranker: 'llm' } } }));
    expect(rr.message).toContain('pipelines.default.reranker: "llm" needs an llm section');
  });

  it('rejects a base URL that is not http(s), a missing model, an unknown generator and too few top logprobs', () => {
    expect(ragErrorOf(() => validateConfig({ llm: { ...LLM, baseUrl: 'localhost:8000' } })).message).toMatch(/llm.baseUrl: must be an http\(s\) URL/);
    expect(ragErrorOf(() => validateConfig({ llm: { baseUrl: LLM.baseUrl } })).message).toMatch(/llm.model/);
    expect(ragErrorOf(() => validateConfig({ pipelines: { default: { kind: 'sequential', generator: 'gpt' } } })).message).toMatch(/pipelines.default.generator/);
    expect(ragErrorOf(() => validateConfig({ llm: { ...LLM, topLogprobs: 1 } })).message).toMatch(/llm.topLogprobs/);
    expect(ragErrorOf(() => validateConfig({ llm: { ...LLM, extra: true } })).message).toMatch(/llm.extra/);
  });

  it('never echoes the API key in an error, even a mistyped one', () => {
    const err = ragErrorOf(() => validateConfig({ llm: { ...LLM, apiKey: 987654321 } }));
    expect(err.message).toContain('llm.apiKey');
    expect(err.message).not.toContain('987654321');
  });

  it('never echoes any secret: an API key too short, a list of keys given as one string, a password, a URL password', () => {
    const short = ragErrorOf(() => validateConfig({ auth: { apiKeys: [{ name: 'app', key: 's3cret-key-123' }] } }));
    expect(short.message).toContain('auth.apiKeys.0.key');
    expect(short.message).not.toContain('s3cret');
    const whole = ragErrorOf(() => loadConfig({ env: { RAG_AUTH__API_KEYS: 'plain-secret-value' } }));
    expect(whole.message).toContain('auth.apiKeys');
    expect(whole.message).not.toContain('plain-secret-value');
    const password = ragErrorOf(() => validateConfig({ opensearch: { auth: { password: 12345678 } } }));
    expect(password.message).not.toContain('12345678');
    const url = ragErrorOf(() => validateConfig({ llm: { ...LLM, baseUrl: 'ftp://user:hunter22@example.com/v1' } }));
    expect(url.message).toContain('ftp://user:***@example.com/v1');
    expect(url.message).not.toContain('hunter22');
    // A password holding "@" was cut at its first "@" and the rest shown; one in the query was shown whole.
    const at = ragErrorOf(() => validateConfig({ llm: { ...LLM, baseUrl: 'ftp://:Top@Secret-42@example.com/v1' } }));
    expect(at.message).not.toContain('Secret-42');
    const redis = ragErrorOf(() => validateConfig({ redis: { url: 'http://127.0.0.1:6379?password=Hunter-99' } }));
    expect(redis.message).not.toContain('Hunter-99');
    // A key written as a JSON number beyond 2^53 would be read as another number, then taken as its text.
    const numeric = ragErrorOf(() => loadConfig({ env: { RAG_AUTH__API_KEYS: '[{"name":"app","key":12345678901234567}]' } }));
    expect(numeric.message).toMatch(/RAG_AUTH__API_KEYS holds a number too long to be read exactly \(17 digits\): write it as a "string"/);
    expect(numeric.message).not.toContain('12345678901234567');
  });
});
