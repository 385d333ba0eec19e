import { RagError } from './errors.js';

/**
 * A counting semaphore: at most `limit` holders at a time, the rest wait in arrival order. Used to cap requests in
 * flight to a model server, which queues (and times out) internally when flooded. A waiter whose signal aborts
 * leaves the queue without taking a slot.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<{ grant: () => void }> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RagError('CONFIG', `a semaphore needs a limit of at least 1 (got ${limit})`);
  }

  /** Holders now. */
  get inUse(): number {
    return this.active;
  }

  /** Waiters now. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Waits for a slot; resolves to its release function (calling it twice releases once). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.active < this.limit) {
      this.active++;
      return this.releaser();
    }
    return new Promise<() => void>((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.active++;
          resolve(this.releaser());
        },
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.grant();
    };
  }
}
