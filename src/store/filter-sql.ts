import type { MetadataFilter } from '../core/types.js';
import type { RowFilter } from './chunk-vectors.js';

/**
 * A metadata filter as a SQL condition over `documents d`: every key must match, `docId` the document id, any other
 * key the metadata value. BM25 and dense retrieval both filter through it, so they admit exactly the same chunks.
 */
export function filterSql(filter: MetadataFilter): RowFilter {
  const clauses: string[] = [];
  const params: Array<string | number> = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key === 'docId') {
      clauses.push('d.id = ?');
      params.push(String(value));
    } else {
      clauses.push(`json_extract(d.meta, ?) = ?`);
      // SQLite's JSON path quotes a key with backslash escapes.
      params.push(`$."${key.replace(/[\\"]/g, (c) => `\\${c}`)}"`, typeof value === 'boolean' ? Number(value) : value);
    }
  }
  return { sql: clauses.length > 0 ? clauses.join(' AND ') : '1', params };
}
