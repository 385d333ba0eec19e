/** [1], [1, 2], [1][2] and ranges such as [2-4]: how prompts ask models to cite numbered passages. */
const MARKER = /\[(\s*\d+\s*(?:(?:,|-|–)\s*\d+\s*)*)\]/g;

/** Ranges longer than this are not citations ("[1-2000]" is a year range or noise). */
const MAX_RANGE = 50;

/**
 * The passage numbers a text cites, ascending and without repeats; numbers that point at no passage (0, or
 * beyond the last) are dropped. The text itself is left as written.
 */
export function citationsIn(text: string, passageCount: number): number[] {
  const cited = new Set<number>();
  for (const m of text.matchAll(MARKER)) {
    for (const part of (m[1] ?? '').split(',')) {
      const [a, b] = part.split(/-|–/).map((x) => Number(x.trim()));
      if (a === undefined) continue;
      const hi = b ?? a;
      if (hi < a || hi - a > MAX_RANGE) continue;
      for (let n = a; n <= hi; n++) if (n >= 1 && n <= passageCount) cited.add(n);
    }
  }
  return [...cited].sort((x, y) => x - y);
}

/** The text without its citation markers (for a short final answer, where they would spoil a match). */
export function withoutMarkers(text: string): string {
  // Blanks before a punctuation mark go; a run of blanks is matched once (a pattern for "blanks, then a mark"
  // retried at every blank of a long run).
  return text
    .replace(MARKER, '')
    .replace(/\s+/g, (blanks: string, at: number, all: string) => (/[.,;:!?]/.test(all[at + blanks.length] ?? '') ? '' : blanks.length > 1 ? ' ' : blanks))
    .trim();
}
