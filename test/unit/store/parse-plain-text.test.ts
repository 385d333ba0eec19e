import { describe, expect, it } from 'vitest';
import { parsePlainText } from '../../../src/store/parse-plain-text.js';
import { sectionsOf } from '../../../src/store/structure.js';

describe('parsePlainText', () => {
  it('keeps ordinary paragraphs as paragraphs of the document', () => {
    const r = parsePlainText('First paragraph\nwraps here.\n\nSecond one, short.\n\nThird', 'Notes');
    expect(r.title).toBe('Notes');
    expect(r.children.every((c) => c.kind === 'paragraph')).toBe(true);
    expect(sectionsOf(r)).toEqual([
      { headingPath: [], paragraphs: ['First paragraph\nwraps here.', 'Second one, short.', 'Third'] },
    ]);
  });

  it('opens sections at numbered headings, nested by their depth', () => {
    const r = parsePlainText('1 Introduction\n\nIntro text.\n\n1.1 Scope\n\nScope text.\n\n2. Methods\n\nMethod text.', 'T');
    expect(sectionsOf(r)).toEqual([
      { headingPath: ['1 Introduction'], paragraphs: ['Intro text.'] },
      { headingPath: ['1 Introduction', '1.1 Scope'], paragraphs: ['Scope text.'] },
      { headingPath: ['2. Methods'], paragraphs: ['Method text.'] },
    ]);
  });

  it('opens sections at UPPERCASE lines, with the block rest as their first paragraph', () => {
    const r = parsePlainText('ABSTRACT\nWe study things.\n\nRESULTS AND DISCUSSION\n\nIt worked.', 'T');
    expect(sectionsOf(r)).toEqual([
      { headingPath: ['ABSTRACT'], paragraphs: ['We study things.'] },
      { headingPath: ['RESULTS AND DISCUSSION'], paragraphs: ['It worked.'] },
    ]);
  });

  it('opens sections at underlined headings (=== level 1, --- level 2)', () => {
    const r = parsePlainText('Overview\n========\n\nAbout it.\n\nDetails\n-------\n\nMore.\n\nNext Part\n===\n\nEnd.', 'T');
    expect(sectionsOf(r)).toEqual([
      { headingPath: ['Overview'], paragraphs: ['About it.'] },
      { headingPath: ['Overview', 'Details'], paragraphs: ['More.'] },
      { headingPath: ['Next Part'], paragraphs: ['End.'] },
    ]);
    const overview = r.children[0];
    expect(overview?.level).toBe(1);
    expect(overview?.children.find((c) => c.kind === 'section')?.level).toBe(2);
  });

  it('does not take sentences, long lines, short acronyms or lowercase lines for headings', () => {
    const text = [
      'This line ends with a period.',
      'WARNING: UPPERCASE BUT ENDS WITH COLON:',
      'OK',
      'lowercase title line',
      `${'A'.repeat(81)}`,
      '12 apples',
    ].join('\n\n');
    const r = parsePlainText(text, 'T');
    expect(r.children.every((c) => c.kind === 'paragraph')).toBe(true);
    expect(r.children).toHaveLength(6);
  });

  it('handles CRLF line endings', () => {
    const r = parsePlainText('INTRO\r\n\r\nHello there.\r\n\r\nMore text.', 'T');
    expect(sectionsOf(r)).toEqual([{ headingPath: ['INTRO'], paragraphs: ['Hello there.', 'More text.'] }]);
  });

  it('segments many short paragraphs in linear time: 66,000 one-word paragraphs took 10 s', () => {
    const start = performance.now();
    const root = parsePlainText('x\n\ny\n\n'.repeat(33_000), 'Plateau');
    expect(performance.now() - start).toBeLessThan(1_500);
    expect(sectionsOf(root).flatMap((s) => s.paragraphs)).toHaveLength(66_000);
  });
});
