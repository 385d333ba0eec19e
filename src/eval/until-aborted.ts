import { RagError } from '../core/errors.js';

/**
 * Settles as `work` does, or rejects with ABORTED ("interrupted") as soon as `signal` is aborted. Work that cannot
 * be stopped part-way (an ingestion batch, a hung model request) is left to end on its own, so the caller's
 * clean-up (a temporary index removed) runs at once rather than after it.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new RagError('ABORTED', 'interrupted'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new RagError('ABORTED', 'interrupted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
