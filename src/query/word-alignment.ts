import type { Correction } from '../core/types.js';

/**
 * The word substitutions that turn `before` into `after`, by a minimum-edit alignment of their word sequences:
 * how the corrections of a rewrite (an LLM's) are reported in the same {from, to} form as the rule-based ones.
 * Inserted and dropped words are not corrections and are left out; words compare case-insensitively.
 */
export function wordSubstitutions(before: string, after: string): Correction[] {
  const a = before.match(/[\p{L}\p{M}\p{N}']+/gu) ?? [];
  const b = after.match(/[\p{L}\p{M}\p{N}']+/gu) ?? [];
  // Long texts are not worth a quadratic alignment: report nothing rather than spend the time.
  if (a.length * b.length > 250_000) return [];
  const same = (i: number, j: number): boolean => (a[i] ?? '').toLowerCase() === (b[j] ?? '').toLowerCase();
  const n = a.length;
  const m = b.length;
  const d: number[][] = Array.from({ length: n + 1 }, (_, i) => Array.from({ length: m + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (same(i - 1, j - 1) ? 0 : 1));
    }
  }
  const out: Correction[] = [];
  for (let i = n, j = m; i > 0 || j > 0; ) {
    if (i > 0 && j > 0 && d[i]![j] === d[i - 1]![j - 1]! + (same(i - 1, j - 1) ? 0 : 1)) {
      if (!same(i - 1, j - 1)) out.push({ from: a[i - 1] as string, to: b[j - 1] as string });
      i--;
      j--;
    } else if (i > 0 && d[i]![j] === d[i - 1]![j]! + 1) i--;
    else j--;
  }
  return out.reverse();
}
