import { withoutInvisibleMarks } from '../core/invisible-marks.js';

/**
 * A query as every stage reads it: NFKC, marks inside words (a soft hyphen) taken out, other control and format
 * characters (NUL, zero-width space, bidi marks) as spaces, spaces collapsed.
 */
export function normalizeQuery(query: string): string {
  return withoutInvisibleMarks(query.normalize('NFKC'))
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
