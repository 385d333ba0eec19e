/**
 * What a chunk is embedded as: its document title, heading path and text. A chunk's own words often do not say
 * what it is about ("It was founded in 1850"); the title and headings do, as they do for BM25.
 */
export function passageText(chunk: { title: string; headingPath: readonly string[]; text: string }): string {
  const heading = chunk.headingPath.join(' > ');
  return heading ? `${chunk.title}\n${heading}\n${chunk.text}` : `${chunk.title}\n${chunk.text}`;
}
