import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/core/config.js';
import { FallbackRetriever } from '../../../src/retrievers/fallback-retriever.js';
import { FusedRetriever } from '../../../src/retrievers/fused-retriever.js';
import { OpenSearchBm25Retriever } from '../../../src/retrievers/opensearch-bm25-retriever.js';
import { OpenSearchKnnRetriever } from '../../../src/retrievers/opensearch-knn-retriever.js';
import { buildOpenSearchRetriever } from '../../../src/retrievers/opensearch-retriever-factory.js';
import { OpenSearchStore } from '../../../src/store/opensearch-store.js';
import { Rag } from '../../../src/rag.js';
import { ragErrorOf } from '../../helpers/errors.js';
import { HashingEmbedder } from '../../helpers/hashing-embedder.js';

const configWith = (opensearch: Record<string, unknown>) => loadConfig({ overrides: { store: { path: ':memory:' }, retrieval: { backend: 'opensearch' }, opensearch } });

describe('buildOpenSearchRetriever', () => {
  it('builds the retriever opensearch.mode names', () => {
    const store = OpenSearchStore.fromConfig(configWith({}), { embedder: new HashingEmbedder({ dimensions: 16 }) });
    expect(buildOpenSearchRetriever(configWith({ mode: 'bm25' }), store, null)).toBeInstanceOf(OpenSearchBm25Retriever);
    expect(buildOpenSearchRetriever(configWith({ mode: 'knn' }), store, null)).toBeInstanceOf(OpenSearchKnnRetriever);
    expect(buildOpenSearchRetriever(configWith({ mode: 'hybrid' }), store, null)).toBeInstanceOf(FusedRetriever);
  });

  it('wraps it in the fallback only when one is configured', () => {
    const store = OpenSearchStore.fromConfig(configWith({}));
    const rag = new Rag(configWith({ fallback: 'embedded-bm25' }));
    try {
      expect(rag.queryRetriever).toBeInstanceOf(FallbackRetriever);
      expect(rag.queryRetriever.name).toBe('opensearch-bm25-or-bm25');
      expect(buildOpenSearchRetriever(configWith({ fallback: 'none' }), store, rag.retriever)).toBeInstanceOf(OpenSearchBm25Retriever);
    } finally {
      rag.close();
    }
  });

  it('refuses k-NN without an embedder at start-up rather than fall back to BM25 silently', () => {
    const err = ragErrorOf(() => new Rag(configWith({ mode: 'hybrid' })));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('opensearch.mode');
    expect(err.message).toContain('embedder');
  });

  it('keeps the embedded retriever for the embedded backend', () => {
    const rag = new Rag(loadConfig({ overrides: { store: { path: ':memory:' } } }));
    try {
      expect(rag.search).toBeNull();
      expect(rag.queryRetriever).toBe(rag.retriever);
    } finally {
      rag.close();
    }
  });
});
