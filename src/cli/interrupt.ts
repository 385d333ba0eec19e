/**
 * Ctrl-C as an abort signal for one command, so it can stop its progress bar, remove what it made and say so;
 * `dispose` gives SIGINT back to Node's default (a second Ctrl-C during the clean-up still ends the process).
 */
export function interruptOnSigint(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', stop) };
}

/** The exit status of a command ended by Ctrl-C, as shells report it (128 + SIGINT). */
export const INTERRUPTED_EXIT = 130;
