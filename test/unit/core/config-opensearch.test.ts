import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/core/config.js';
import { ragErrorOf } from '../../helpers/errors.js';

describe('OpenSearch configuration', () => {
  it('defaults to the embedded backend, with a complete opensearch section ready to switch on', () => {
    const config = loadConfig();
    expect(config.retrieval.backend).toBe('embedded');
    expect(config.opensearch).toMatchObject({
      nodes: ['http://127.0.0.1:9200'],
      index: 'rag-chunks',
      refresh: 'wait_for',
      mode: 'bm25',
      fallback: 'none',
      bulk: { batchSize: 500, maxRetries: 6, backoffMs: 200 },
      knn: { engine: 'lucene', spaceType: 'cosinesimil' },
      hybrid: { fusion: 'rrf' },
    });
  });

  it('takes every setting from the environment, secrets included', () => {
    const config = loadConfig({
      env: {
        RAG_RETRIEVAL__BACKEND: 'opensearch',
        RAG_OPENSEARCH__NODES: '["https://os1:9200","https://os2:9200"]',
        RAG_OPENSEARCH__AUTH__USERNAME: 'rag',
        RAG_OPENSEARCH__AUTH__PASSWORD: 'secret',
        RAG_OPENSEARCH__REFRESH: 'false',
        RAG_OPENSEARCH__BULK__BATCH_SIZE: '200',
        RAG_OPENSEARCH__FALLBACK: 'embedded-bm25',
      },
    });
    expect(config.retrieval.backend).toBe('opensearch');
    expect(config.opensearch.nodes).toEqual(['https://os1:9200', 'https://os2:9200']);
    expect(config.opensearch.auth).toEqual({ username: 'rag', password: 'secret' });
    expect(config.opensearch.refresh).toBe(false);
    expect(config.opensearch.bulk.batchSize).toBe(200);
    expect(config.opensearch.fallback).toBe('embedded-bm25');
  });

  it.each([
    [{ retrieval: { backend: 'elastic' } }, 'retrieval.backend'],
    [{ opensearch: { index: 'Upper Case' } }, 'opensearch.index'],
    [{ opensearch: { nodes: [] } }, 'opensearch.nodes'],
    [{ opensearch: { knn: { engine: 'hnswlib' } } }, 'opensearch.knn.engine'],
    [{ opensearch: { refreshInterval: 'soon' } }, 'opensearch.refreshInterval'],
    [{ opensearch: { tls: { verify: false } } }, 'opensearch.tls'],
  ])('rejects %j naming %s', (overrides, setting) => {
    const err = ragErrorOf(() => loadConfig({ overrides }));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain(setting);
  });
});
