import { RagError } from '../../src/core/errors.js';

/** Runs `fn` and returns the RagError it throws; fails when it throws nothing or something else. */
export function ragErrorOf(fn: () => unknown): RagError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RagError) return err;
    throw new Error(`expected a RagError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a RagError, but nothing was thrown');
}

/** Awaits `fn` and returns the RagError it rejects with; fails when it resolves or rejects with something else. */
export async function ragErrorOfAsync(fn: () => Promise<unknown>): Promise<RagError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof RagError) return err;
    throw new Error(`expected a RagError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a RagError, but nothing was thrown');
}
