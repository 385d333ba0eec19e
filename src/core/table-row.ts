/**
 * A line of a Markdown table as the parser writes it: cells separated by " | " (the separator row is dropped). A
 * table is a paragraph of such lines, its first the header row.
 */
export const TABLE_ROW = /\S\s\|(?:\s|$)/;

/** The header row of a table paragraph: its first line, when it and the next are rows. */
export function tableHeader(paragraph: string): string | undefined {
  const [first, second] = paragraph.split('\n', 2);
  return first !== undefined && second !== undefined && TABLE_ROW.test(first) && TABLE_ROW.test(second) ? first : undefined;
}
