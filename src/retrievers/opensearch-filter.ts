import type { MetadataFilter } from '../core/types.js';

/**
 * A metadata filter as OpenSearch filter clauses: `docId` matches the document id, any other key the document's
 * metadata value exactly (strings are keywords), all keys together; the same meaning as the embedded store's.
 */
export function filterClauses(filter: MetadataFilter | undefined): Array<Record<string, unknown>> {
  if (!filter) return [];
  // A key given as undefined is absent, as it is once a request is JSON (and in the embedded store's filter).
  return Object.entries(filter).filter(([, value]) => value !== undefined).map(([key, value]) => ({ term: { [key === 'docId' ? 'docId' : `meta.${key}`]: value } }));
}
