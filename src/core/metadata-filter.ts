import { RagError } from './errors.js';

/** The most keys a filter may hold (the HTTP schema's bound too). */
export const MAX_FILTER_KEYS = 32;
/** The longest metadata key, in characters (the HTTP schema's bound too). */
export const MAX_METADATA_KEY_CHARS = 128;

/**
 * A filter from a caller in process, held to what the HTTP schema admits: an object of at most `MAX_FILTER_KEYS`
 * keys, each a string, a finite number or a boolean. A key whose value is `undefined` is left out, as JSON leaves it
 * out over HTTP (before, in process it matched nothing, and shared its cache entry with the filter without it); an
 * object or array value was a raw SQLite RangeError.
 */
export function checkFilter(filter: unknown): void {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new RagError('BAD_REQUEST', `filter must be an object of metadata keys (or "docId") and values; got ${Array.isArray(filter) ? 'an array' : String(filter)}`);
  }
  const entries = Object.entries(filter).filter(([, v]) => v !== undefined);
  if (entries.length > MAX_FILTER_KEYS) throw new RagError('BAD_REQUEST', `filter has ${entries.length} keys; at most ${MAX_FILTER_KEYS}`);
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > MAX_METADATA_KEY_CHARS) throw new RagError('BAD_REQUEST', `filter keys are 1 to ${MAX_METADATA_KEY_CHARS} characters; got ${key.length}`);
    const scalar = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!scalar) throw new RagError('BAD_REQUEST', `filter.${key}: must be a string, number or boolean; got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
}
