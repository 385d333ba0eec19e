import { existsSync, readFileSync, statSync } from 'node:fs';
import { RagError } from '../core/errors.js';
import { withoutBom } from '../core/invisible-marks.js';

/**
 * The rows of a small JSONL file with their line numbers (blank lines skipped, a byte order mark dropped); a
 * missing file, a folder or a line that is not JSON stops with the file and line named.
 */
export function readJsonLines(path: string): Array<{ line: number; row: unknown }> {
  if (!existsSync(path)) throw new RagError('NOT_FOUND', `no such file: ${path}`);
  if (statSync(path).isDirectory()) throw new RagError('BAD_REQUEST', `${path} is a folder, not a JSONL file`);
  const rows: Array<{ line: number; row: unknown }> = [];
  withoutBom(readFileSync(path, 'utf8'))
    .split('\n')
    .forEach((text, i) => {
      if (!text.trim()) return;
      try {
        rows.push({ line: i + 1, row: JSON.parse(text) });
      } catch (err) {
        throw new RagError('BAD_REQUEST', `${path}:${i + 1}: not valid JSON (${(err as Error).message})`);
      }
    });
  return rows;
}
