import { describe, expect, it } from 'vitest';
import { CONTENT_FIELD, indexBody, indexTemplate, TEXT_ANALYZER, VECTOR_FIELD } from '../../../src/store/opensearch-index-template.js';

const layout = { shards: 2, replicas: 1, refreshInterval: '5s', bm25: { k1: 0.9, b: 0.4 } };
const vector = { dimensions: 384, engine: 'lucene' as const, spaceType: 'cosinesimil' as const, m: 16, efConstruction: 128, efSearch: 100 };

describe('indexBody', () => {
  it('analyses title, headings and text in English with ASCII folding, and scores with the configured BM25', () => {
    const { settings, mappings } = indexBody(layout);
    const index = settings['index'] as Record<string, unknown>;
    expect(index['number_of_shards']).toBe(2);
    expect(index['refresh_interval']).toBe('5s');
    expect(index['similarity']).toEqual({ default: { type: 'BM25', k1: 0.9, b: 0.4 } });
    const analyzer = ((index['analysis'] as Record<string, Record<string, unknown>>)['analyzer'] ?? {})[TEXT_ANALYZER] as { filter: string[] };
    expect(analyzer.filter).toEqual(['rag_english_possessive', 'lowercase', 'asciifolding', 'rag_english_stop', 'rag_english_stemmer']);
    const properties = mappings['properties'] as Record<string, { type: string; analyzer?: string }>;
    for (const field of ['title', 'headings', 'text']) expect(properties[field]).toEqual({ type: 'text', analyzer: TEXT_ANALYZER, copy_to: CONTENT_FIELD });
    expect(properties[CONTENT_FIELD]).toEqual({ type: 'text', analyzer: TEXT_ANALYZER });
    expect(properties['docId']?.type).toBe('keyword');
    expect(properties[VECTOR_FIELD]).toBeUndefined();
    expect(index['knn']).toBeUndefined();
    expect(mappings['dynamic']).toBe('strict');
  });

  it('maps metadata strings to keywords so filters match exactly', () => {
    const templates = indexBody(layout).mappings['dynamic_templates'] as Array<Record<string, { path_match: string; mapping: { type: string } }>>;
    expect(templates[0]?.['meta_strings']?.path_match).toBe('meta.*');
    expect(templates[0]?.['meta_strings']?.mapping.type).toBe('keyword');
  });

  it('adds an HNSW knn_vector of the embedder\'s size when there is one, kept out of _source', () => {
    const { settings, mappings } = indexBody({ ...layout, vector });
    const index = settings['index'] as Record<string, unknown>;
    expect(index['knn']).toBe(true);
    expect((mappings['properties'] as Record<string, unknown>)[VECTOR_FIELD]).toEqual({
      type: 'knn_vector',
      dimension: 384,
      method: { name: 'hnsw', engine: 'lucene', space_type: 'cosinesimil', parameters: { m: 16, ef_construction: 128 } },
    });
    expect(mappings['_source']).toEqual({ excludes: [VECTOR_FIELD] });
  });
});

describe('indexTemplate', () => {
  it('applies to the collection\'s versioned indices only', () => {
    const template = indexTemplate('rag-chunks', layout);
    expect(template['index_patterns']).toEqual(['rag-chunks.v*']);
    expect((template['template'] as Record<string, unknown>)['mappings']).toEqual(indexBody(layout).mappings);
  });
});
