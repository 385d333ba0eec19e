const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/**
 * A source's own footnote references ("Rottnest Island[2]", "[citation needed]"): meaningless without its
 * reference list, and in an answer they read as this system's [n] citation markers, pointing at the wrong passage.
 * Only small numbers right after a word or punctuation mark, and before prose: "[1996] 2 S.C.R. 507" is a law
 * report and `messages[0].content` or `xs[2] = 1` code, all kept.
 */
const FOOTNOTE = /(?<=[\p{L}\p{N}.,;:!?)"'’”])\s?(?:\[(?:\d{1,3}(?:\s?[,–-]\s?\d{1,3}){0,8}|citation needed)\])+(?=$|[,;:!?)"'’”]|\.(?!\w)|\s\p{L})/gu;

/**
 * Sentences of a passage; line breaks end a sentence too (list items, table rows and code lines stand alone).
 * The readers answer with these, so footnote references are left out of them.
 */
export function sentencesOf(text: string): string[] {
  return text
    .split(/\n+/)
    .flatMap((line) => joinQuotedQuestions(joinListNumber(segmentsOf(line.replace(BULLET, '').replace(FOOTNOTE, '')))))
    .filter((s) => /[\p{L}\p{N}]/u.test(s));
}

/** A segment that ICU ended at a "?", "!" or "..." with no space after it. */
const MID_WORD_END = /(?:[?!]|\.\.\.|…)$/u;

/**
 * A line's sentences as ICU cuts them, except after a "?", "!" or "..." with no space after it, as in a URL's query or
 * a command's placeholder (`?prefix=notes%2F`, `<paths...>: Markdown`): that cut left two fragments, the first a
 * candidate answer that stops mid-phrase. (A "." with none after it stays a cut: flattened tables run "cell.|next".)
 */
function segmentsOf(line: string): string[] {
  const out: string[] = [];
  let joined = false;
  for (const { segment } of segmenter.segment(line)) {
    if (joined) out[out.length - 1] += segment;
    else out.push(segment);
    joined = MID_WORD_END.test(segment);
  }
  return out.map((s) => s.trim());
}

/**
 * A list item's bullet ("- ", "* ", "• "): layout, not text, so an answer from a list item does not open with it. A
 * numbered item keeps its number, which steps are referred to by.
 */
const BULLET = /^[ \t]*[-*+\u2022][ \t]+(?=\S)/;

/** An ordered list item's number, as ICU cuts it off its line ("1. Drain the queue." is "1. " and "Drain ..."). */
const LIST_NUMBER = /^\d{1,9}\.$/;

/** The number of a numbered line goes with the sentence it numbers: alone, "1." was a candidate answer. */
function joinListNumber(segments: string[]): string[] {
  const [first, second, ...rest] = segments;
  return first !== undefined && second !== undefined && LIST_NUMBER.test(first) ? [`${first} ${second}`, ...rest] : segments;
}

/** A segment ending in a "?" or "!" that a quotation mark or bracket closes. */
const QUOTED_END = /[?!]["'’”)\]]+$/u;

/**
 * ICU ends a sentence at every "?" and "!", even inside one: `"Who Framed Roger Rabbit?" is a film` and `than "what
 * X?" asks for` came out as two sentences, the second a fragment. A segment that opens in lower case (or with a bracket:
 * `"Dude, Where's My Car?" (2000) stars ...`) after a quoted or bracketed question or exclamation goes on the one before.
 */
function joinQuotedQuestions(segments: string[]): string[] {
  const out: string[] = [];
  for (const s of segments) {
    const last = out.length - 1;
    if (last >= 0 && /^[\p{Ll}(]/u.test(s) && QUOTED_END.test(out[last] as string)) out[last] = `${out[last] as string} ${s}`;
    else out.push(s);
  }
  return out;
}
