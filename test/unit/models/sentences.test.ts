import { describe, expect, it } from 'vitest';
import { sentencesOf } from '../../../src/models/sentences.js';

describe('sentencesOf', () => {
  it('splits at sentence ends and line breaks', () => {
    expect(sentencesOf('One sentence here. Another one!\n- a list item\n\n| a | row |')).toEqual(['One sentence here.', 'Another one!', 'a list item', '| a | row |']);
  });

  it("leaves out a list item's bullet, which is layout (an answer opened with it), and keeps a number", () => {
    expect(sentencesOf('- Reset the password.\n  * Clear the cache.\n• Call us.\n3. Install it.\n-5 degrees\n---')).toEqual([
      'Reset the password.',
      'Clear the cache.',
      'Call us.',
      '3. Install it.',
      '-5 degrees',
    ]);
  });

  it("keeps a numbered list item's number with its sentence", () => {
    // ICU cuts "1. " off as a sentence of its own, which the reader could answer with.
    expect(sentencesOf('1. Drain the queue. Then wait.\n   12. Restart the node.\nIn 1999. It rained.')).toEqual([
      '1. Drain the queue.',
      'Then wait.',
      '12. Restart the node.',
      'In 1999.',
      'It rained.',
    ]);
  });

  it('keeps a quoted question or exclamation inside its sentence', () => {
    // ICU ends a sentence at every "?": the reader answered with the fragment 'asks for at half its probability'.
    expect(sentencesOf('A title of another kind than "what X?" asks for counts half. Next one.')).toEqual([
      'A title of another kind than "what X?" asks for counts half.',
      'Next one.',
    ]);
    expect(sentencesOf('"Who Framed Roger Rabbit?" is a 1988 film. He shouted "Stop!" and ran.')).toEqual([
      '"Who Framed Roger Rabbit?" is a 1988 film.',
      'He shouted "Stop!" and ran.',
    ]);
    expect(sentencesOf('Is it? Yes it is. Was it "done?" Maybe.')).toEqual(['Is it?', 'Yes it is.', 'Was it "done?"', 'Maybe.']);
    expect(sentencesOf('The film "Dude, Where\'s My Car?" (2000) stars Ashton Kutcher.')).toEqual(['The film "Dude, Where\'s My Car?" (2000) stars Ashton Kutcher.']);
  });

  it("leaves out a source's footnote references, which would read as citation markers", () => {
    expect(sentencesOf('The quokka lives on Rottnest Island [2], off the coast. It eats leaves.[3][14] Its range shrank[citation needed].')).toEqual([
      'The quokka lives on Rottnest Island, off the coast.',
      'It eats leaves.',
      'Its range shrank.',
    ]);
    expect(sentencesOf('Founded in 1901[1] and renamed in 1920 [12] by its members.')).toEqual(['Founded in 1901 and renamed in 1920 by its members.']);
    // Lists and ranges too: they read as this system's markers as much as one number does.
    expect(sentencesOf('Teal, according to records [2, 3] of the museum [4-6].')).toEqual(['Teal, according to records of the museum.']);
  });

  it('keeps brackets that are not footnotes: law reports, code, long numbers', () => {
    for (const kept of ['R v Van der Peet, [1996] 2 S.C.R. 507 is a case.', 'Read messages[0].content first.', 'Set xs[2] = 1 before the loop.', 'See [12345] for details.']) {
      expect(sentencesOf(kept)).toEqual([kept]);
    }
  });

  it('does not end a sentence at a "?", "!" or "..." with no space after it: a URL\'s query, a placeholder', () => {
    // Before, ICU cut both, and "prefix=notes%2F: the files ..." was a candidate answer, "... <paths..." another.
    expect(sentencesOf('prefix lists only the ids that start with it (?prefix=notes%2F: the files rag ingest notes read). It adds.')).toEqual([
      'prefix lists only the ids that start with it (?prefix=notes%2F: the files rag ingest notes read).',
      'It adds.',
    ]);
    expect(sentencesOf('Files are ingested with npx rag ingest <paths...>: Markdown (.md), HTML (.html) and text (.txt). Each is read.')).toEqual([
      'Files are ingested with npx rag ingest <paths...>: Markdown (.md), HTML (.html) and text (.txt).',
      'Each is read.',
    ]);
    expect(sentencesOf('Open https://example.com/a?b=c!now to see it.')).toEqual(['Open https://example.com/a?b=c!now to see it.']);
    // With a space after them they end sentences as before, and so does a "." before a table's bar.
    expect(sentencesOf('Why? Nobody knew! Then... it rained.')).toEqual(['Why?', 'Nobody knew!', 'Then... it rained.']);
    expect(sentencesOf('Insights.|Quality|Biased.')).toEqual(sentencesOfIcu('Insights.|Quality|Biased.'));
  });
});

/** ICU's own cut of a line, for text the joining must leave as ICU cuts it. */
function sentencesOfIcu(line: string): string[] {
  return [...new Intl.Segmenter('en', { granularity: 'sentence' }).segment(line)].map((s) => s.segment.trim()).filter((s) => s.length > 0);
}
