/** Whether a model server answers now, for /readyz. */
export interface ModelProbe {
  reachable: boolean;
  /** Why not, naming the URL. */
  reason?: string;
}

/** How long a probe's answer stands: /readyz polled every second must not put a request on the model server each time. */
export const PROBE_TTL_MS = 5000;

/**
 * One probe at a time, its answer kept for `ttlMs`: concurrent /readyz calls share the request in flight, later
 * ones the answer until it is stale.
 */
export class ProbeCache {
  private last: { at: number; result: ModelProbe } | null = null;
  private running: Promise<ModelProbe> | null = null;

  constructor(private readonly ttlMs = PROBE_TTL_MS) {}

  async check(run: () => Promise<ModelProbe>): Promise<ModelProbe> {
    if (this.last && performance.now() - this.last.at < this.ttlMs) return this.last.result;
    this.running ??= run()
      .catch((err: unknown): ModelProbe => ({ reachable: false, reason: err instanceof Error ? err.message : String(err) }))
      .then((result) => {
        this.last = { at: performance.now(), result };
        this.running = null;
        return result;
      });
    return this.running;
  }
}
