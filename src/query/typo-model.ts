/**
 * The error model of spelling correction: how likely a typed word is as a slip for an intended one. A weighted
 * optimal-string-alignment cost where the slips people actually make cost less than arbitrary edits: hitting a
 * QWERTY neighbour, swapping two adjacent letters, doubling or undoubling a letter, one vowel for another.
 * Costs are in "edits" (an arbitrary substitution is 1), so they compare with the plain edit distance.
 */

const ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

/** QWERTY neighbours: left and right on the row, and the touching keys of the rows above and below (staggered). */
const NEIGHBOURS: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const map = new Map<string, Set<string>>();
  ROWS.forEach((row, r) => {
    for (let c = 0; c < row.length; c++) {
      const set = new Set<string>();
      const add = (rr: number, cc: number): void => {
        const ch = ROWS[rr]?.[cc];
        if (ch !== undefined) set.add(ch);
      };
      add(r, c - 1);
      add(r, c + 1);
      // Each row is shifted right of the one above by about half a key.
      add(r - 1, c);
      add(r - 1, c + 1);
      add(r + 1, c - 1);
      add(r + 1, c);
      map.set(row[c] as string, set);
    }
  });
  return map;
})();

const VOWELS = new Set('aeiouy');

export const COST = {
  substitution: 1,
  keyboardNeighbour: 0.5,
  vowelForVowel: 0.7,
  transposition: 0.6,
  insertion: 0.8,
  deletion: 0.8,
  doubling: 0.5,
} as const;

export function areKeyboardNeighbours(a: string, b: string): boolean {
  return NEIGHBOURS.get(a)?.has(b) ?? false;
}

/** The QWERTY neighbours of a lower-case letter (empty for anything else). */
export function keyboardNeighbours(letter: string): readonly string[] {
  return [...(NEIGHBOURS.get(letter) ?? [])];
}

function substitutionCost(typed: string, intended: string): number {
  if (typed === intended) return 0;
  if (areKeyboardNeighbours(typed, intended)) return COST.keyboardNeighbour;
  if (VOWELS.has(typed) && VOWELS.has(intended)) return COST.vowelForVowel;
  return COST.substitution;
}

/**
 * Weighted cost of typing `typed` when `intended` was meant (both lower case). An extra letter that repeats its
 * neighbour ("occurrring") or a missing letter that was doubled ("ocuring") costs less than other insertions or
 * deletions.
 */
export function typoCost(typed: string, intended: string): number {
  const n = typed.length;
  const m = intended.length;
  const d: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = 1; i <= n; i++) d[i]![0] = d[i - 1]![0]! + insertionCost(typed, i - 1);
  for (let j = 1; j <= m; j++) d[0]![j] = d[0]![j - 1]! + deletionCost(intended, j - 1);
  for (let i = 1; i <= n; i++) {
    const row = d[i]!;
    const up = d[i - 1]!;
    for (let j = 1; j <= m; j++) {
      let best = Math.min(
        up[j - 1]! + substitutionCost(typed[i - 1]!, intended[j - 1]!),
        up[j]! + insertionCost(typed, i - 1),
        row[j - 1]! + deletionCost(intended, j - 1),
      );
      if (i > 1 && j > 1 && typed[i - 1] === intended[j - 2] && typed[i - 2] === intended[j - 1] && typed[i - 1] !== typed[i - 2]) {
        best = Math.min(best, d[i - 2]![j - 2]! + COST.transposition);
      }
      row[j] = best;
    }
  }
  return d[n]![m]!;
}

/** The typed letter at `i` is extra. */
function insertionCost(typed: string, i: number): number {
  const ch = typed[i];
  return ch === typed[i - 1] || ch === typed[i + 1] ? COST.doubling : COST.insertion;
}

/** The intended letter at `j` was left out. */
function deletionCost(intended: string, j: number): number {
  const ch = intended[j];
  return ch === intended[j - 1] || ch === intended[j + 1] ? COST.doubling : COST.deletion;
}
