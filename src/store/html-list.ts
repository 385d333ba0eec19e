/** How an <ol> writes its numbers: its `type` attribute ("a", "A", "i", "I", "1"). */
type NumberStyle = 'a' | 'A' | 'i' | 'I' | '1';

/** An item of a list. */
interface Item {
  frame: Frame;
  /** Its number in an ordered list; in a `reversed` list without `start`, counted down from the list's item count. */
  n: number;
  fromCount: boolean;
}

/** An open (or, until the outermost list is written, closed) <ul> or <ol>. */
interface Frame {
  ordered: boolean;
  style: NumberStyle;
  /** The list it is nested in, and the item of it (undefined for a list put straight inside a list, between items). */
  up: Frame | undefined;
  parent: Item | undefined;
  /** Its items so far: in the end, the count a `reversed` list without `start` counts down from. */
  items: number;
  /** The number the next item takes, the step to the one after (-1 in a `reversed` list), and whether it counts down from the item count. */
  next: number;
  step: 1 | -1;
  fromCount: boolean;
  /** The open item, undefined between items. */
  item: Item | undefined;
  /** Lines written for the open item so far: its first carries the marker, the others are indented under it. */
  itemLines: number;
  /** Columns the list's items are indented by (the text column of the item it is nested in), once worked out. */
  indent?: number;
}

/** A block of a list item as a line of its list, written once the outermost list has closed (see `write`). */
export interface ListLine {
  item: Item;
  /** The item's first line, which carries its marker. */
  first: boolean;
  text: string;
}

/** Columns of indentation at most: nesting past this depth is shown no deeper (and costs no more to write). */
const MAX_INDENT = 32;

/**
 * Tracks HTML lists as the parser walks them, to write a list as Markdown lists are written (see parse-markdown.ts):
 * one paragraph, a line per item with its marker ("-", or its number in an <ol>, in the list's `type`: "b.", "iv."),
 * nested items on indented lines of their own. Each block of an item is a line: the first with the marker, the others
 * (after a <br>, a nested list) indented under it. A list holding a heading, preformatted text or a table keeps its
 * blocks as paragraphs. Lines are written when the outermost list closes: a `reversed` list's first number is its
 * item count, known only then.
 */
export class HtmlLists {
  private readonly frames: Frame[] = [];
  /** Where the outermost list's blocks begin among the page's, and whether one of them is not a line of it. */
  private start = 0;
  private spoilt = false;

  get active(): boolean {
    return this.frames.length > 0;
  }

  /**
   * A <ul> or <ol> opens; `blocks`: the number of blocks the page has so far. Returns the marker line of the ordered
   * list's item it opens in when the list is that item's first block ("2." above its nested items), else nothing.
   */
  open(name: 'ul' | 'ol', attribs: Record<string, string>, blocks: number): ListLine | undefined {
    const parent = this.frames.at(-1);
    if (!parent) {
      this.start = blocks;
      this.spoilt = false;
    }
    // An item that opens with a nested list still has its number: on a line of its own, as Markdown lists write it.
    // A bullet says nothing, and a line of one would be noise (lists of lists nest thousands deep).
    const markerLine = parent?.item && parent.ordered && parent.itemLines === 0 ? { item: parent.item, first: true, text: '' } : undefined;
    // Text of the item after its nested list goes under that list, not on a marker line of its own.
    if (parent) parent.itemLines++;
    const type = attribs['type'];
    const style = type === 'a' || type === 'A' || type === 'i' || type === 'I' ? type : '1';
    const start = numberOf(attribs['start']);
    const reversed = 'reversed' in attribs;
    this.frames.push({
      ordered: name === 'ol',
      style,
      up: parent,
      parent: parent?.item,
      items: 0,
      next: start ?? (reversed ? 0 : 1),
      step: reversed ? -1 : 1,
      fromCount: reversed && start === undefined,
      item: undefined,
      itemLines: 0,
    });
    return markerLine;
  }

  /** An <li> opens: in an ordered list, it takes the next number (or the one its `value` gives). */
  item(attribs: Record<string, string>): void {
    const frame = this.frames.at(-1);
    if (!frame) return;
    const value = numberOf(attribs['value']);
    // A `value` is a number of its own: the items after it count from it, not from the item count.
    if (value !== undefined) frame.fromCount = false;
    const n = value ?? frame.next;
    frame.item = { frame, n, fromCount: frame.fromCount };
    frame.next = n + frame.step;
    frame.items++;
    frame.itemLines = 0;
  }

  endItem(): void {
    const frame = this.frames.at(-1);
    if (frame) frame.item = undefined;
  }

  /** A block that cannot be a line of the list (a table) opens inside it. */
  spoil(): void {
    if (this.active) this.spoilt = true;
  }

  /** A block of text inside a list as its line, or undefined outside an item. */
  line(text: string): ListLine | undefined {
    const frame = this.frames.at(-1);
    if (!frame?.item) return undefined;
    return { item: frame.item, first: frame.itemLines++ === 0, text };
  }

  /** A list closes; for the outermost, where its blocks begin and whether they may be written as its lines. */
  close(): { start: number; lines: boolean } | undefined {
    this.frames.pop();
    return this.frames.length === 0 ? { start: this.start, lines: !this.spoilt } : undefined;
  }

  /** A line as text, once its outermost list has closed: indented under the item it is nested in, with its marker or under it. */
  write(line: ListLine): string {
    const marker = markerOf(line.item);
    const text = `${' '.repeat(indentOf(line.item.frame))}${line.first ? marker : ' '.repeat(marker.length)} ${line.text}`;
    return line.text ? text : text.trimEnd();
  }
}

/** An item's marker: "-", or its number as its list shows it. */
function markerOf(item: Item): string {
  const { frame } = item;
  return frame.ordered ? `${numeral(item.fromCount ? frame.items + item.n : item.n, frame.style)}.` : '-';
}

/** A list's indentation, worked out once per list and without recursion (lists nest thousands deep). */
function indentOf(frame: Frame): number {
  const chain: Frame[] = [];
  for (let f: Frame | undefined = frame; f && f.indent === undefined; f = f.up) chain.push(f);
  for (const f of chain.reverse()) {
    // Under the item's text; a list put straight inside a list (no item open) as under a bullet.
    f.indent = f.up ? Math.min(MAX_INDENT, (f.up.indent ?? 0) + (f.parent ? markerOf(f.parent).length : 1) + 1) : 0;
  }
  return frame.indent ?? 0;
}

/**
 * An item's number as its list shows it: "c" for 3 in `type="a"`, "iv" for 4 in `type="i"` (steps are referred to
 * so: "step b", "in ii"). Numbers a style cannot write (0 and below, Roman past 3999) are written as digits, as
 * browsers do.
 */
function numeral(n: number, style: NumberStyle): string {
  if (style === '1' || n < 1 || ((style === 'i' || style === 'I') && n > 3999)) return String(n);
  if (style === 'a' || style === 'A') {
    let letters = '';
    for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) letters = String.fromCharCode(97 + ((k - 1) % 26)) + letters;
    return style === 'A' ? letters.toUpperCase() : letters;
  }
  let roman = '';
  let k = n;
  for (const [value, digits] of ROMAN) {
    for (; k >= value; k -= value) roman += digits;
  }
  return style === 'I' ? roman.toUpperCase() : roman;
}

const ROMAN: ReadonlyArray<readonly [number, string]> = [
  [1000, 'm'], [900, 'cm'], [500, 'd'], [400, 'cd'], [100, 'c'], [90, 'xc'],
  [50, 'l'], [40, 'xl'], [10, 'x'], [9, 'ix'], [5, 'v'], [4, 'iv'], [1, 'i'],
];

/** An HTML list number attribute (`start`, `value`): an integer, else nothing. */
function numberOf(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*-?\d{1,9}\s*$/.test(value)) return undefined;
  return Number(value);
}
