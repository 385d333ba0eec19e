// Citation markers in an answer, read as the server reads them (src/models/citation-markers.ts): plain browser
// JavaScript, imported by the playground page and by its unit test.

/** [1], [1, 2], [1][2] and ranges such as [2-4]. */
const MARKER = /\[(\s*\d+\s*(?:(?:,|-|–)\s*\d+\s*)*)\]/g;

/** Ranges longer than this are not citations ("[1-2000]" is a year range or noise). */
const MAX_RANGE = 50;

/** A marker's parts ("3", " 4", "2-4") with the range each stands for, or none where it is no citation. */
function partsOf(inner) {
  return inner.split(/(,)/).map((part) => {
    if (part === ',') return { part, range: undefined };
    const [a, b = a] = part.split(/-|–/).map((x) => Number(x.trim()));
    return { part, range: b >= a && b - a <= MAX_RANGE ? [a, b] : undefined };
  });
}

/** The passage numbers a text cites, ascending and without repeats; numbers beyond passageCount (or 0) are dropped. */
export function citedNumbers(text, passageCount) {
  const cited = new Set();
  for (const m of text.matchAll(MARKER)) {
    for (const { range } of partsOf(m[1])) {
      if (!range) continue;
      for (let n = range[0]; n <= range[1]; n++) if (n >= 1 && n <= passageCount) cited.add(n);
    }
  }
  return [...cited].sort((x, y) => x - y);
}

/**
 * The answer with a [n] marker for each citation whose number it does not already cite, appended as the server's
 * chat route appends them: an extractive answer has none of its own, an LLM may leave some out.
 */
export function withMissingMarkers(text, citations) {
  const marked = new Set(citedNumbers(text, Math.max(0, ...citations.map((c) => c.n))));
  const missing = citations.filter((c) => !marked.has(c.n));
  return missing.length === 0 ? text : `${text} ${missing.map((c) => `[${c.n}]`).join('')}`;
}

/**
 * The text in pieces for display: `{ text }` is plain, `{ text, n }` links to passage n. "[2]" is linked whole;
 * in "[3, 4]" and "[2-4]" each number is; a number that points at no passage (0, beyond passageCount, or in a
 * range that is no citation) stays plain text. The pieces' texts join to the text unchanged.
 */
export function citationPieces(text, passageCount) {
  const pieces = [];
  const plain = (s) => {
    if (!s) return;
    const last = pieces[pieces.length - 1];
    if (last && last.n === undefined) last.text += s;
    else pieces.push({ text: s });
  };
  const cites = (n) => Number.isInteger(n) && n >= 1 && n <= passageCount;
  let at = 0;
  for (const m of text.matchAll(MARKER)) {
    plain(text.slice(at, m.index));
    at = m.index + m[0].length;
    const parts = partsOf(m[1]);
    const single = /^\s*(\d+)\s*$/.exec(m[1]);
    if (single && cites(Number(single[1]))) {
      pieces.push({ text: m[0], n: Number(single[1]) });
      continue;
    }
    plain('[');
    for (const { part, range } of parts) {
      // The numbers of a part and what lies between them; only a range's two ends are linked.
      part.split(/(\d+)/).forEach((bit, i) => {
        const n = Number(bit);
        if (i % 2 === 1 && range && (n === range[0] || n === range[1]) && cites(n)) pieces.push({ text: bit, n });
        else plain(bit);
      });
    }
    plain(']');
  }
  plain(text.slice(at));
  return pieces;
}
