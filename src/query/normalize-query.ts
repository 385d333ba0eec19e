/** A query as every stage reads it: NFKC, control and format characters (NUL, zero-width, bidi marks) as spaces, spaces collapsed. */
export function normalizeQuery(query: string): string {
  return query
    .normalize('NFKC')
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
