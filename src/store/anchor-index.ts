import { normalizeText } from '../core/analyzer.js';

/**
 * Finds a model's abbreviated paragraphs ("first words...last words") in the original text. Words are compared
 * in a normal form (letters and digits only, lower case, accents dropped), so a model's changes to case,
 * punctuation, quotes and spacing do not matter; where they are is kept as offsets into the original items.
 */

/** How many words of each end of an anchor are matched (LongRefiner restores with four). */
const ANCHOR_WORDS = 4;

const WORD = /[\p{L}\p{M}\p{N}]+/gu;
/** Ellipsis marks between the first and last words of an abbreviated paragraph. */
const ELLIPSIS = /\s*(?:\.\s?\.\s?\.+|\u2026|\[\s*\.\.\.\s*\]|\(\s*\.\.\.\s*\))\s*/;

/** A text's words in normal form (what anchors and titles are compared by). */
export function normalWords(text: string): string[] {
  return [...text.matchAll(WORD)].map((m) => normalizeText(m[0])).filter((w) => w.length > 0);
}

/** An anchor line's first and last words (a line without an ellipsis is its own start and end). */
export interface Anchor {
  head: string[];
  tail: string[];
}

export function parseAnchor(line: string): Anchor {
  const parts = line.split(ELLIPSIS).filter((p) => /[\p{L}\p{N}]/u.test(p));
  if (parts.length === 0) return { head: [], tail: [] };
  return { head: normalWords(parts[0] ?? '').slice(0, ANCHOR_WORDS), tail: normalWords(parts[parts.length - 1] ?? '').slice(-ANCHOR_WORDS) };
}

/** Where a word starts: 2 at the start of an item, 1 after a sentence end or a line break, else 0. */
type Boundary = 0 | 1 | 2;

/** The words of a document's items (paragraphs, headings) in order, with their item and character offsets. */
export class AnchorIndex {
  /** Normal forms, in document order. */
  readonly forms: string[] = [];
  readonly item: number[] = [];
  /** Offset of the word in its item's text. */
  readonly start: number[] = [];
  /** Index of each item's first word; one entry more than items, the last equal to the word count. */
  readonly itemStart: number[] = [];
  private readonly boundary: Boundary[] = [];

  constructor(items: readonly string[]) {
    items.forEach((text, i) => {
      this.itemStart.push(this.forms.length);
      let prevEnd = -1;
      for (const m of text.matchAll(WORD)) {
        const form = normalizeText(m[0]);
        if (form.length === 0) continue;
        const gap = prevEnd < 0 ? '' : text.slice(prevEnd, m.index);
        this.forms.push(form);
        this.item.push(i);
        this.start.push(m.index);
        this.boundary.push(prevEnd < 0 ? 2 : /[.!?:;\n]/.test(gap) ? 1 : 0);
        prevEnd = m.index + m[0].length;
      }
    });
    this.itemStart.push(this.forms.length);
  }

  get size(): number {
    return this.forms.length;
  }

  /** The first word at or after a character offset of an item (the word count when there is none). */
  wordAt(item: number, offset: number): number {
    let lo = this.itemStart[item] ?? this.size;
    let hi = this.itemStart[item + 1] ?? this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.start[mid] ?? 0) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Where an anchor's first words are, in words [from, to): the longest run of its first words found (four, then
   * three, then two; then the same without its first word, which a model sometimes adds or changes). A run of
   * three or more is taken at its first place; a run of two is common enough that a place where a sentence or
   * paragraph starts is preferred. Returns the index of the first matched word, or null.
   */
  findHead(head: readonly string[], from: number, to: number): { at: number; words: number } | null {
    if (head.length === 0) return null;
    for (const skip of head.length >= 3 ? [0, 1] : [0]) {
      const words = head.slice(skip);
      for (let n = Math.min(ANCHOR_WORDS, words.length); n >= Math.min(2, words.length); n--) {
        const at = this.find(words.slice(0, n), from, to, n < 3);
        if (at !== null) return { at, words: n };
      }
    }
    return null;
  }

  /**
   * Where an anchor's last words end, in words [from, to): the first place its last four (then three, two) words
   * run, so the paragraph ends as early as its words allow. Returns the index of the last matched word, or null.
   */
  findTail(tail: readonly string[], from: number, to: number): { end: number; words: number } | null {
    if (tail.length === 0) return null;
    for (let n = Math.min(ANCHOR_WORDS, tail.length); n >= Math.min(2, tail.length); n--) {
      const at = this.find(tail.slice(tail.length - n), from, to, false);
      if (at !== null) return { end: at + n - 1, words: n };
    }
    return null;
  }

  private find(words: readonly string[], from: number, to: number, preferBoundary: boolean): number | null {
    const first = words[0];
    const last = Math.min(to, this.size) - words.length;
    let fallback: number | null = null;
    for (let i = Math.max(0, from); i <= last; i++) {
      if (this.forms[i] !== first) continue;
      let ok = true;
      for (let j = 1; j < words.length && ok; j++) ok = this.forms[i + j] === words[j];
      if (!ok) continue;
      if (!preferBoundary || (this.boundary[i] ?? 0) > 0) return i;
      fallback ??= i;
    }
    return fallback;
  }
}
