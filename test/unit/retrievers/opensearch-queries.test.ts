import { Client } from '@opensearch-project/opensearch';
import { describe, expect, it } from 'vitest';
import { OpenSearchBm25Retriever } from '../../../src/retrievers/opensearch-bm25-retriever.js';
import { filterClauses } from '../../../src/retrievers/opensearch-filter.js';
import { OpenSearchKnnRetriever } from '../../../src/retrievers/opensearch-knn-retriever.js';
import { OpenSearchStore } from '../../../src/store/opensearch-store.js';
import { HashingEmbedder } from '../../helpers/hashing-embedder.js';

// The request builders need a store only to hand it to; nothing here sends a request.
const store = new OpenSearchStore(new Client({ node: 'http://127.0.0.1:9' }), {
  alias: 'c',
  layout: { shards: 1, replicas: 0, refreshInterval: '1s', bm25: { k1: 0.9, b: 0.4 } },
  knn: { engine: 'lucene', spaceType: 'cosinesimil', m: 16, efConstruction: 128, efSearch: 100 },
  bulk: { batchSize: 500, maxRetries: 1, backoffMs: 1 },
  refresh: false,
  requestTimeoutMs: 1000,
});

describe('filterClauses', () => {
  it('matches docId on the document id and every other key on metadata, exactly', () => {
    expect(filterClauses(undefined)).toEqual([]);
    expect(filterClauses({ docId: 'guide', lang: 'en', year: 2020, draft: false })).toEqual([
      { term: { docId: 'guide' } },
      { term: { 'meta.lang': 'en' } },
      { term: { 'meta.year': 2020 } },
      { term: { 'meta.draft': false } },
    ]);
  });
});

describe('OpenSearchBm25Retriever.request', () => {
  const retriever = new OpenSearchBm25Retriever(store, { maxQueryTerms: 8, titleBoost: 0 });

  it('is one match on the field holding title, headings and text, with filters in filter context', () => {
    expect(retriever.request('glacier ice', { k: 7 })).toEqual({ size: 7, query: { match: { content: 'glacier ice' } } });
    const filtered = retriever.request('glacier', { k: 3, filter: { lang: 'en' } }) as { query: { bool: { must: unknown[]; filter: unknown[] } } };
    expect(filtered.query.bool.filter).toEqual([{ term: { 'meta.lang': 'en' } }]);
    expect(filtered.query.bool.must).toEqual([{ match: { content: 'glacier' } }]);
  });

  it('adds a title match when asked to', () => {
    const boosted = new OpenSearchBm25Retriever(store, { maxQueryTerms: 8, titleBoost: 0.5 });
    expect(boosted.request('glacier', { k: 1 })).toEqual({
      size: 1,
      query: { multi_match: { query: 'glacier', fields: ['content', 'title^0.5'], type: 'most_fields' } },
    });
  });

  it('keeps the first distinct content words of a long query', () => {
    const long = 'the glacier and the ice of the glacier melt fast in the warm summer sun over many long years of change';
    const request = retriever.request(long, { k: 5 }) as { query: { match: { content: string } } };
    expect(request.query.match.content).toBe('glacier ice melt fast warm summer sun over');
  });

  it('searches a how-to question without its frame, as the embedded BM25 does', () => {
    expect(retriever.request('how do I measure glacier ice?', { k: 2 })).toEqual({ size: 2, query: { match: { content: 'measure glacier ice?' } } });
  });

  it('searches a question without its inverted auxiliary and person, as the embedded BM25 does', () => {
    expect(retriever.request('which glacier can I measure?', { k: 2 })).toEqual({ size: 2, query: { match: { content: 'which glacier measure?' } } });
  });
});

describe('OpenSearchKnnRetriever.request', () => {
  const embedder = new HashingEmbedder({ dimensions: 8 });
  const vector = embedder.vectorOf('glacier ice');

  it('asks the vector field for at least efSearch neighbours and returns k', () => {
    const r = new OpenSearchKnnRetriever(store, embedder, { engine: 'lucene', efSearch: 100 });
    const request = r.request(vector, { k: 5 }) as { size: number; query: { knn: { embedding: { vector: number[]; k: number } } } };
    expect(request.size).toBe(5);
    expect(request.query.knn.embedding.k).toBe(100);
    expect(request.query.knn.embedding.vector).toEqual(Array.from(vector));
  });

  it('filters inside the graph search on Lucene and faiss, and afterwards on nmslib', () => {
    const lucene = new OpenSearchKnnRetriever(store, embedder, { engine: 'lucene', efSearch: 10 }).request(vector, { k: 5, filter: { lang: 'en' } }) as {
      query: { knn: { embedding: { filter: unknown } } };
    };
    expect(lucene.query.knn.embedding.filter).toEqual({ bool: { filter: [{ term: { 'meta.lang': 'en' } }] } });
    const nmslib = new OpenSearchKnnRetriever(store, embedder, { engine: 'nmslib', efSearch: 10 }).request(vector, { k: 5, filter: { lang: 'en' } }) as {
      query: { bool: { must: Array<{ knn: { embedding: Record<string, unknown> } }>; filter: unknown[] } };
    };
    expect(nmslib.query.bool.filter).toEqual([{ term: { 'meta.lang': 'en' } }]);
    expect(nmslib.query.bool.must[0]?.knn.embedding['filter']).toBeUndefined();
  });
});
