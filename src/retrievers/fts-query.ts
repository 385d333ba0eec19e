import { isStopWord, words } from '../core/analyzer.js';

/**
 * Builds an FTS5 MATCH expression from user text that can never be parsed as query syntax: every word becomes a
 * quoted string, joined by OR. Quotes, AND/OR/NOT/NEAR, `*`, `-`, `^` and parentheses are thus plain words or gone.
 * Returns null when nothing searchable is left.
 */
export function ftsMatchExpression(text: string, maxTerms: number): string | null {
  const unique = [...new Set(words(text).filter((w) => !isStopWord(w)))];
  // Prefer longer words when the query must be cut: they are rarer, so they carry more of the ranking.
  const kept = unique.length > maxTerms ? [...unique].sort((a, b) => b.length - a.length).slice(0, maxTerms) : unique;
  if (kept.length === 0) return null;
  return kept.map((w) => `"${w.replace(/"/g, '""')}"`).join(' OR ');
}
