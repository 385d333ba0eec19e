import { existsSync } from 'node:fs';

/**
 * Stops a bench with one line when an input it was given is not there: a mistyped dataset path otherwise ends in a
 * stack trace from deep inside the first read.
 */
export function requireInputs(bench: string, paths: readonly string[], usage?: string): void {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return;
  console.error(`${bench}: no such file or folder: ${missing.join(', ')}${usage ? `\nusage: ${usage}` : ''}`);
  process.exit(2);
}
