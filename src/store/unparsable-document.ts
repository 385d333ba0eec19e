/**
 * A document its parser refuses: markup nested deeper than the parser can take in bounded time and stack. The
 * ingestor turns it into INVALID_DOCUMENT, naming the document, so the batch is rejected with a reason (400)
 * rather than failing as an internal error or holding the event loop for seconds.
 */
export class UnparsableDocument extends Error {
  override readonly name = 'UnparsableDocument';
}

/**
 * Elements open at once that HTML may nest (the depth Blink's parser stops nesting at). Deeper, htmlparser2's
 * open-element bookkeeping grows quadratically: 20,000 levels took 0.6 s, 100,000 levels 12 s.
 */
export const MAX_HTML_DEPTH = 512;

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
