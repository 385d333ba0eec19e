import { createHash } from 'node:crypto';

/** Hits, misses and failures of a cache since start; exported as Prometheus counters. */
export interface CacheStats {
  hits: number;
  misses: number;
  errors: number;
}

/**
 * A cache of serialised responses. A failing backend (Redis down) never fails the request: `get` answers a miss
 * and `set` does nothing, and the failure is counted.
 */
export interface ResponseCache {
  readonly kind: 'memory' | 'redis';
  readonly stats: CacheStats;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  close(): Promise<void>;
}

/** JSON with object keys sorted, so two requests that differ only in key order share a cache entry. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A cache key for an operation and its request at one index version: ingestion moves the version on. */
export function cacheKey(operation: string, request: unknown, indexVersion: number): string {
  const digest = createHash('sha256').update(stableJson(request)).digest('base64url');
  return `${operation}:v${indexVersion}:${digest}`;
}
