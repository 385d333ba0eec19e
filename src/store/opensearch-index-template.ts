import type { OpenSearchConfig } from '../core/config-schema.js';

/** What a collection's indices are built with; the vector part only when an embedder is configured. */
export interface IndexLayout {
  shards: number;
  replicas: number;
  refreshInterval: string;
  /** BM25 parameters, the same as the embedded store's so both backends rank alike. */
  bm25: { k1: number; b: number };
  /** `model`: the embedder's identity, recorded in the mapping's _meta so an index of another model is refused. */
  vector?: { dimensions: number; model?: string } & Pick<OpenSearchConfig['knn'], 'engine' | 'spaceType' | 'm' | 'efConstruction' | 'efSearch'>;
}

/** The embedding model an index's vectors came from, as its mapping records it (`_meta.embedding`). */
export function recordedEmbedding(mappings: unknown): { model: string; dimensions: number } | undefined {
  const meta: unknown = typeof mappings === 'object' && mappings !== null ? (mappings as Record<string, unknown>)['_meta'] : undefined;
  const embedding: unknown = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>)['embedding'] : undefined;
  if (typeof embedding !== 'object' || embedding === null) return undefined;
  const { model, dimensions } = embedding as Record<string, unknown>;
  return typeof model === 'string' && typeof dimensions === 'number' ? { model, dimensions } : undefined;
}

/** The field holding a chunk's embedding. */
export const VECTOR_FIELD = 'embedding';

/** The analyzer of title, headings and text. */
export const TEXT_ANALYZER = 'rag_english';

/** Title, headings and text in one field: what BM25 ranks on, one bag of words per chunk as in the embedded index. */
export const CONTENT_FIELD = 'content';

/**
 * Index settings and mappings: one document per chunk. Text fields use Lucene's English analysis (possessives,
 * stop words, Porter stemming) with ASCII folding, as the embedded store's analyser does ("Café" = "cafe"), and
 * are copied into one `content` field; metadata strings are keywords, so filters match exactly; the embedding is
 * an HNSW knn_vector.
 */
export function indexBody(layout: IndexLayout): { settings: Record<string, unknown>; mappings: Record<string, unknown> } {
  const settings: Record<string, unknown> = {
    number_of_shards: layout.shards,
    number_of_replicas: layout.replicas,
    refresh_interval: layout.refreshInterval,
    similarity: { default: { type: 'BM25', k1: layout.bm25.k1, b: layout.bm25.b } },
    analysis: {
      filter: {
        rag_english_stop: { type: 'stop', stopwords: '_english_' },
        rag_english_stemmer: { type: 'stemmer', language: 'english' },
        rag_english_possessive: { type: 'stemmer', language: 'possessive_english' },
      },
      analyzer: {
        [TEXT_ANALYZER]: {
          type: 'custom',
          tokenizer: 'standard',
          filter: ['rag_english_possessive', 'lowercase', 'asciifolding', 'rag_english_stop', 'rag_english_stemmer'],
        },
      },
    },
  };
  const properties: Record<string, unknown> = {
    id: { type: 'keyword' },
    docId: { type: 'keyword' },
    ord: { type: 'integer' },
    /** The document's number of chunks, on every chunk: a replacement with fewer chunks deletes the rest. */
    chunkCount: { type: 'integer', index: false },
    title: { type: 'text', analyzer: TEXT_ANALYZER, copy_to: CONTENT_FIELD },
    headings: { type: 'text', analyzer: TEXT_ANALYZER, copy_to: CONTENT_FIELD },
    headingPath: { type: 'keyword', index: false, doc_values: false },
    text: { type: 'text', analyzer: TEXT_ANALYZER, copy_to: CONTENT_FIELD },
    [CONTENT_FIELD]: { type: 'text', analyzer: TEXT_ANALYZER },
    meta: { type: 'object', dynamic: true },
  };
  if (layout.vector) {
    settings['knn'] = true;
    // Read by the native engines; the Lucene engine takes its candidate count from the query's k.
    settings['knn.algo_param.ef_search'] = layout.vector.efSearch;
    properties[VECTOR_FIELD] = {
      type: 'knn_vector',
      dimension: layout.vector.dimensions,
      method: {
        name: 'hnsw',
        engine: layout.vector.engine,
        space_type: layout.vector.spaceType,
        parameters: { m: layout.vector.m, ef_construction: layout.vector.efConstruction },
      },
    };
  }
  return {
    settings: { index: settings },
    mappings: {
      // Unknown top-level fields are a bug: reject them. Metadata keys are the users' own: map them as they come.
      dynamic: 'strict',
      dynamic_templates: [{ meta_strings: { path_match: 'meta.*', match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } }],
      // Vectors are indexed, not kept in _source: half the disk, and rebuilds re-embed from the store anyway.
      ...(layout.vector ? { _source: { excludes: [VECTOR_FIELD] } } : {}),
      // Which model made the vectors: two models of one dimension are told apart, as in the store of record.
      ...(layout.vector?.model !== undefined ? { _meta: { embedding: { model: layout.vector.model, dimensions: layout.vector.dimensions } } } : {}),
      properties,
    },
  };
}

/** The composable index template that gives every index of the collection (<alias>.v<time>) its settings and mappings. */
export function indexTemplate(alias: string, layout: IndexLayout): Record<string, unknown> {
  return {
    index_patterns: [`${alias}.v*`],
    priority: 100,
    template: indexBody(layout),
    _meta: { managedBy: 'rag-platform' },
  };
}
