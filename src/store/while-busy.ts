import { setTimeout as sleep } from 'node:timers/promises';
import { RagError } from '../core/errors.js';
import type { RunContext } from '../core/run-context.js';

/** The most a write waits for another process's write to end when the caller has no deadline. */
export const BUSY_WAIT_MS = 30_000;

/** A store write refused because another process (`rag ingest`, `rag reindex`) holds the write lock. */
export function isBusy(err: unknown): boolean {
  return err instanceof RagError && err.code === 'UNAVAILABLE' && err.details?.['busy'] === true;
}

/**
 * Runs a store write, trying again while another process holds the write lock: the store gives up on the lock
 * at once (waiting inside SQLite would hold the event loop, and every other request with it), and the wait
 * happens here, between tries, until the request's deadline (or `BUSY_WAIT_MS`). Then the busy error stands:
 * 503, with nothing written.
 */
export async function whileBusy<T>(write: () => T, ctx?: RunContext): Promise<T> {
  const left = ctx?.remainingMs() ?? Number.POSITIVE_INFINITY;
  const until = performance.now() + Math.min(BUSY_WAIT_MS, Number.isFinite(left) ? left : BUSY_WAIT_MS);
  for (let pause = 20; ; pause = Math.min(pause * 2, 500)) {
    let busy: unknown;
    try {
      return write();
    } catch (err) {
      if (!isBusy(err) || performance.now() + pause > until) throw err;
      busy = err;
    }
    await sleep(pause, undefined, ctx ? { signal: ctx.signal } : {}).catch((aborted: unknown) => {
      try {
        ctx?.check('ingest.write');
      } catch (err) {
        // The deadline came during the wait (a loaded machine's timers fire late): the lock is why nothing was
        // written, so the busy error stands. A client that went away is its own error.
        throw err instanceof RagError && err.code === 'DEADLINE_EXCEEDED' ? busy : err;
      }
      throw aborted;
    });
  }
}
