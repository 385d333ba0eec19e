import { describe, expect, it } from 'vitest';
import { normalWords, parseAnchor } from '../../../src/store/anchor-index.js';
import { cleanTitle, parseTreeReply, type TreeReplyNode } from '../../../src/store/tree-format.js';

/** A parsed node as [title or kind, children], anchors as strings: compact to compare. */
type Shape = string | [string, Shape[]];
const shape = (node: TreeReplyNode): Shape[] =>
  node.children.map((c) => (typeof c === 'string' ? c : [c.kind === 'abstract' ? '<abstract>' : `${c.title}@${c.level}`, shape(c)]));

describe('parseTreeReply', () => {
  it('reads the abstract, sections and nested sub-sections, titles quoted or not', () => {
    const r = parseTreeReply(
      [
        '<abstract>',
        'Marrowby is a small...its herring market.',
        '</abstract>',
        '<section: History>',
        'Marrowby was founded by...the winter storms.',
        '<sub-section: "The great fire">',
        'In 1602 a fire...rebuilt in stone.',
        '</sub-section: "The great fire">',
        '</section: History>',
        '<section: "Lighthouse">',
        'The lighthouse was built...guides ships today.',
        '</section: "Lighthouse">',
      ].join('\n'),
    );
    expect(r.tags).toBe(8);
    expect(r.anchors).toBe(4);
    expect(shape(r.root)).toEqual([
      ['<abstract>', ['Marrowby is a small...its herring market.']],
      ['History@1', ['Marrowby was founded by...the winter storms.', ['The great fire@2', ['In 1602 a fire...rebuilt in stone.']]]],
      ['Lighthouse@1', ['The lighthouse was built...guides ships today.']],
    ]);
  });

  it('closes what a model leaves open, ignores stray closers and chatter outside the tags, splits at <br>', () => {
    const r = parseTreeReply(
      [
        'Here is the structure you asked for:',
        '```xml',
        '<SECTION:Early life>',
        'Born in 1901...a farm.<br>He went to...in Leeds.',
        '<subsection: \u201cSchool\u201d>',
        'At school he...the violin.',
        '<section: Career>',
        '</sub-section: Nothing>',
        'His first job...a clerk.',
        '</section>',
        'Trailing remark.',
        '```',
      ].join('\n'),
    );
    expect(shape(r.root)).toEqual([
      ['Early life@1', ['Born in 1901...a farm.', 'He went to...in Leeds.', ['School@2', ['At school he...the violin.']]]],
      ['Career@1', ['His first job...a clerk.']],
    ]);
    expect(r.anchors).toBe(4);
  });

  it('sub-sub-sections nest one level deeper', () => {
    const r = parseTreeReply('<section: A>\n<sub-section: B>\n<sub-sub-section: C>\nx y...z w\n</sub-sub-section: C>\n</sub-section: B>\n</section: A>');
    expect(shape(r.root)).toEqual([['A@1', [['B@2', [['C@3', ['x y...z w']]]]]]]);
  });

  it('a reply without tags is recognised as such', () => {
    const r = parseTreeReply("I'm sorry, I cannot structure this document.");
    expect(r).toMatchObject({ tags: 0, anchors: 0 });
    expect(r.root.children).toEqual([]);
  });
});

describe('cleanTitle', () => {
  it.each([
    ['"History"', 'History'],
    ["'History'", 'History'],
    ['\u201cHistory\u201d', 'History'],
    ['**History**', 'History'],
    ['  Early   life ', 'Early life'],
    ['"Unbalanced', 'Unbalanced'],
    ["Travellers'", "Travellers'"],
  ])('%s -> %s', (raw, clean) => expect(cleanTitle(raw)).toBe(clean));
});

describe('parseAnchor', () => {
  it('takes up to four words of each end, in normal form, whatever the ellipsis', () => {
    expect(parseAnchor('The Lighthouse was built in...still guides ships today.')).toEqual({
      head: ['the', 'lighthouse', 'was', 'built'],
      tail: ['still', 'guides', 'ships', 'today'],
    });
    expect(parseAnchor('R\u00f6ntgen discovered \u2026 X-rays')).toEqual({ head: ['rontgen', 'discovered'], tail: ['x', 'rays'] });
    expect(parseAnchor('"Short paragraph copied whole."')).toEqual({ head: ['short', 'paragraph', 'copied', 'whole'], tail: ['short', 'paragraph', 'copied', 'whole'] });
  });

  it('normalWords drops punctuation, case and accents', () => {
    expect(normalWords('\u00c9cole-Normale, (Paris)!')).toEqual(['ecole', 'normale', 'paris']);
  });
});
