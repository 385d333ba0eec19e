/**
 * Characters that sit inside a word without showing: the soft hyphen (HTML's &shy;, common in German text), the
 * word joiner, zero-width (non-)joiners and the byte-order mark. They split "Versicherungs\u00ADgesellschaft" into
 * two search terms (in the index and in a question), so they are taken out, not turned into spaces. A zero-width
 * space stays: it separates words.
 */
const INVISIBLE_MARKS = /[\u00AD\u200C\u200D\u2060\uFEFF]/g;

export function withoutInvisibleMarks(text: string): string {
  return text.replace(INVISIBLE_MARKS, '');
}

/** A UTF-8 byte order mark, which editors on Windows write first: not part of the first row or the text. */
export const withoutBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
