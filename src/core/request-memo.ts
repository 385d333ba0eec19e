/**
 * Work shared within one request: an ensemble's members (and a branching pipeline's branches) often retrieve and
 * rerank the same query with the same options, so the first to ask computes and the others await its promise.
 * Keyed by stage and inputs; never outlives the request, so it never serves anything stale.
 */
export class RequestMemo {
  private readonly entries = new Map<string, Promise<unknown>>();
  private hitCount = 0;

  /** The value for `key`, computed once; a failed computation is forgotten so a later caller may try again. */
  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.hitCount++;
      return hit as Promise<T>;
    }
    const value = compute();
    this.entries.set(key, value);
    value.catch(() => this.entries.delete(key));
    return value;
  }

  /** How many lookups were served from work already done (or in flight). */
  get hits(): number {
    return this.hitCount;
  }
}
