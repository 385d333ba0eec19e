/**
 * A document its parser refuses: markup nested deeper than the parser can take in bounded time and stack. The
 * ingestor turns it into INVALID_DOCUMENT, naming the document, so the batch is rejected with a reason (400)
 * rather than failing as an internal error or holding the event loop for seconds.
 */
export class UnparsableDocument extends Error {
  override readonly name = 'UnparsableDocument';
}

/**
 * Milliseconds HTML may take to parse. htmlparser2 keeps its open elements in an array it shifts at the front, so
 * its time grows with elements nested or left unclosed: 100,000 nested <li> (800 KB) took 12 s, 5 MB of old-style
 * <p><font> left unclosed 5.2 s, where 5 MB of ordinary HTML takes 0.14 s. A depth limit would refuse ordinary
 * pages that leave a few thousand inline elements unclosed and parse in milliseconds, so the bound is on time.
 */
export const MAX_HTML_PARSE_MS = 2_000;

/**
 * Columns a Markdown list item may be indented by (about 128 nested levels). marked re-reads a nested list once
 * per level: 256 levels took 0.14 s, 500 levels 0.9 s, 1,000 levels 8 s.
 */
export const MAX_MARKDOWN_LIST_INDENT = 256;

/**
 * Containers (blockquote marks, list markers) a Markdown line may open with: marked recurses once per container
 * and ran out of stack near 850 ("- > " repeated) to 1,850 ("> " repeated) within a request.
 */
export const MAX_MARKDOWN_DEPTH = 256;

/**
 * Emphasis and image marks (`*`, `_`, `!`) one Markdown line may hold: marked scans the rest of the line from each,
 * so a line of them costs quadratic time (100,000 alternating with letters took 1.2-4.6 s; 2,000 take milliseconds).
 */
export const MAX_MARKDOWN_INLINE_MARKS = 2_000;

/**
 * marked's time over a whole document, in units of one emphasis mark squared on a line: 2,000 marks on a line
 * (4,000,000 units) took 33 ms, so this is about 1.6 s. Without it, 1,250 lines of 1,999 marks each (5 MB, every
 * line under the per-line cap) took 124 s.
 */
export const MAX_MARKDOWN_WORK = 200_000_000;
export const MAX_MARKDOWN_WORK_SECONDS = 1.6;

/** A nested container costs marked about five times what an emphasis mark does (256 on a line: 2.6 ms). */
export const CONTAINER_WEIGHT = 5;
