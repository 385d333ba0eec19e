import { collapse } from './structure.js';

/** A data table as text: its caption, if any, and its rows as Markdown tables give them ("a | b | c"). */
export interface TableText {
  caption?: string;
  rows: string[];
}

/**
 * Collects an HTML table's cells as the parser walks it, to write a data table's rows as Markdown tables are
 * written (see core/table-row.ts): a row means what its header row says, and the reader and the chunker know a row
 * by its " | " separators. Cells that each stood as a paragraph of their own lost their columns ("Basic 5 €19" under
 * "Plan Seats Price", and the header row was the answer to "how many seats has Basic?").
 *
 * A table whose cells hold block elements (paragraphs, lists, headings, another table) lays out a page rather than
 * data: `finish` returns nothing for it, and its blocks stay the paragraphs they were.
 */
export class HtmlTable {
  private readonly rows: string[][] = [];
  private row: string[] | undefined;
  private cell: string | undefined;
  private caption: string | undefined;
  private inCaption = false;
  private layout = false;
  /** Inside <thead>; whether the open row's cells are all <th>; whether the first row is a header row. */
  private inHead = false;
  private rowAllTh = true;
  private headed = false;

  /** `start`: the number of blocks the page had when the table opened, where its own blocks begin. */
  constructor(readonly start: number) {}

  /** An element opens inside the table; `block` when it is one that ends a paragraph (see parse-html.ts). */
  open(name: string, block: boolean): void {
    switch (name) {
      case 'tr':
        this.endRow();
        this.row = [];
        return;
      case 'td':
      case 'th':
        this.endCell();
        this.row ??= [];
        this.cell = '';
        if (name === 'td') this.rowAllTh = false;
        return;
      case 'caption':
        this.inCaption = true;
        this.caption ??= '';
        return;
      case 'br':
        // A line break in a cell separates its words; the row stays one line.
        this.text(' ');
        return;
      case 'thead':
        this.inHead = true;
        return;
      case 'tbody':
      case 'tfoot':
        return;
      default:
        if (block) this.layout = true;
    }
  }

  close(name: string): void {
    if (name === 'td' || name === 'th') this.endCell();
    else if (name === 'tr') this.endRow();
    else if (name === 'caption') this.inCaption = false;
    else if (name === 'thead') this.inHead = false;
  }

  text(text: string): void {
    if (this.inCaption) this.caption = `${this.caption ?? ''}${text}`;
    else if (this.cell !== undefined) this.cell += text;
    // Text outside the cells: not a grid this reading can keep whole.
    else if (text.trim().length > 0) this.layout = true;
  }

  /** The table's text when it holds data: rows of two columns or more, none holding a block element. */
  finish(): TableText | undefined {
    this.endRow();
    if (this.layout || !this.rows.some((r) => r.length > 1)) return undefined;
    // Without a header row (all <td>, or <th> down the first column only, as an infobox has) the first row is data:
    // as "a | b" rows it would be read as the header, never an answer.
    const rows = this.rows.map(this.headed ? (cells) => cells.join(' | ') : keyValueRow);
    const caption = collapse(this.caption ?? '');
    return caption ? { caption, rows } : { rows };
  }

  private endCell(): void {
    if (this.cell === undefined) return;
    (this.row ??= []).push(collapse(this.cell));
    this.cell = undefined;
  }

  private endRow(): void {
    this.endCell();
    if (this.row?.some((c) => c.length > 0)) {
      if (this.rows.length === 0) this.headed = this.inHead || this.rowAllTh;
      this.rows.push(this.row);
    }
    this.row = undefined;
    this.rowAllTh = true;
  }
}

/** A row of a table without a header row: "key: value, value" (empty cells left out). */
function keyValueRow([key = '', ...rest]: string[]): string {
  const values = rest.filter((v) => v.length > 0);
  return values.length > 0 ? `${key}: ${values.join(', ')}` : key;
}
