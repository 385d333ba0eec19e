const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Sentences of a passage; line breaks end a sentence too (list items, table rows and code lines stand alone). */
export function sentencesOf(text: string): string[] {
  return text
    .split(/\n+/)
    .flatMap((line) => [...segmenter.segment(line)].map((s) => s.segment.trim()))
    .filter((s) => /[\p{L}\p{N}]/u.test(s));
}
