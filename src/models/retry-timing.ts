/**
 * How long to wait before retrying a request to a model server: what the server asked for (`retry-after-ms`,
 * then `Retry-After` in seconds or as an HTTP date), else exponential backoff with jitter, so clients that failed
 * together do not retry together.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * Backoff before retry number `retry` (0 for the first): base * 2^retry capped at `maxMs`, of which a random half
 * ("equal jitter"): spread out, yet never close to zero.
 */
export function backoffMs(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** retry);
  return ceiling / 2 + (random() * ceiling) / 2;
}
