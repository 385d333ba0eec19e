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

/**
 * A cache key for an operation and its request at one index version of one store under one configuration:
 * ingestion moves the version on; the store's id keeps stores sharing a cache apart; the configuration's digest
 * keeps answers computed with other settings (k1, a pipeline's definition) out.
 */
export function cacheKey(operation: string, request: unknown, index: { storeId: string; version: number; configDigest: string }): string {
  const digest = createHash('sha256').update(stableJson(request)).digest('base64url');
  return `${operation}:${index.storeId}:${index.configDigest}:v${index.version}:${digest}`;
}

/** A short digest of a configuration, for cache keys: any change of a setting is another key. */
export function configDigest(config: unknown): string {
  return createHash('sha256').update(stableJson(config)).digest('base64url').slice(0, 16);
}
