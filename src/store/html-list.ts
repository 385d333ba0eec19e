/** An open <ul> or <ol>. */
interface Frame {
  ordered: boolean;
  /** The number the next item of an ordered list takes. */
  next: number;
  /** The open item's marker ("-", "3."), undefined between items. */
  marker: string | undefined;
  /** Lines written for the open item so far: its first carries the marker, the others are indented under it. */
  itemLines: number;
  /** Columns the list's items are indented by: the text column of the item it is nested in. */
  indent: number;
}

/** Columns of indentation at most: nesting past this depth is shown no deeper (and costs no more to write). */
const MAX_INDENT = 32;

/**
 * Tracks HTML lists as the parser walks them, to write a list as Markdown lists are written (see parse-markdown.ts):
 * one paragraph, a line per item with its marker ("-", or its number in an <ol>), nested items on indented lines of
 * their own. Each block of an item is a line: the first with the marker, the others (after a <br>, a nested list)
 * indented under it. A list holding a heading, preformatted text or a table keeps its blocks as paragraphs.
 */
export class HtmlLists {
  private readonly frames: Frame[] = [];
  /** Where the outermost list's blocks begin among the page's, and whether one of them is not a line of it. */
  private start = 0;
  private spoilt = false;

  get active(): boolean {
    return this.frames.length > 0;
  }

  /** A <ul> or <ol> opens; `blocks`: the number of blocks the page has so far. */
  open(name: 'ul' | 'ol', attribs: Record<string, string>, blocks: number): void {
    const parent = this.frames.at(-1);
    if (!parent) {
      this.start = blocks;
      this.spoilt = false;
    }
    const indent = parent ? Math.min(MAX_INDENT, parent.indent + (parent.marker ?? '-').length + 1) : 0;
    // Text of the item after its nested list goes under that list, not on a marker line of its own.
    if (parent) parent.itemLines++;
    this.frames.push({ ordered: name === 'ol', next: numberOf(attribs['start']) ?? 1, marker: undefined, itemLines: 0, indent });
  }

  /** An <li> opens: in an ordered list, it takes the next number (or the one its `value` gives). */
  item(attribs: Record<string, string>): void {
    const frame = this.frames.at(-1);
    if (!frame) return;
    if (frame.ordered) {
      const n = numberOf(attribs['value']) ?? frame.next;
      frame.marker = `${n}.`;
      frame.next = n + 1;
    } else frame.marker = '-';
    frame.itemLines = 0;
  }

  endItem(): void {
    const frame = this.frames.at(-1);
    if (frame) frame.marker = undefined;
  }

  /** A block that cannot be a line of the list (a table) opens inside it. */
  spoil(): void {
    if (this.active) this.spoilt = true;
  }

  /** A block of text inside a list as its line, or undefined outside an item. */
  line(text: string): string | undefined {
    const frame = this.frames.at(-1);
    if (!frame?.marker) return undefined;
    const first = frame.itemLines++ === 0;
    return `${' '.repeat(frame.indent)}${first ? `${frame.marker} ` : ' '.repeat(frame.marker.length + 1)}${text}`;
  }

  /** A list closes; for the outermost, where its blocks begin and whether they may be written as its lines. */
  close(): { start: number; lines: boolean } | undefined {
    this.frames.pop();
    return this.frames.length === 0 ? { start: this.start, lines: !this.spoilt } : undefined;
  }
}

/** An HTML list number attribute (`start`, `value`): an integer, else nothing. */
function numberOf(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*-?\d{1,9}\s*$/.test(value)) return undefined;
  return Number(value);
}
