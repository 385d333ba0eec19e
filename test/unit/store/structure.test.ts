import { describe, expect, it } from 'vitest';
import type { StructureNode } from '../../../src/core/types.js';
import { StructureBuilder, collapse, plainText, sectionsOf } from '../../../src/store/structure.js';

const titles = (node: StructureNode): string[] => node.children.filter((c) => c.kind === 'section').map((c) => c.title ?? '');

describe('StructureBuilder', () => {
  it('nests sections by level and pops back up for shallower headings', () => {
    const b = new StructureBuilder('Doc');
    b.paragraph('intro');
    b.heading('A', 1);
    b.paragraph('a');
    b.heading('A.1', 2);
    b.paragraph('a1');
    b.heading('A.1.a', 3);
    b.heading('A.2', 2);
    b.heading('B', 1);
    b.paragraph('b');
    const root = b.root;
    expect(root).toMatchObject({ kind: 'document', title: 'Doc', level: 0 });
    expect(root.children[0]).toEqual({ kind: 'paragraph', text: 'intro', level: 0, children: [] });
    expect(titles(root)).toEqual(['A', 'B']);
    const a = root.children[1];
    expect(a && titles(a)).toEqual(['A.1', 'A.2']);
    const a1 = a?.children.find((c) => c.title === 'A.1');
    expect(a1 && titles(a1)).toEqual(['A.1.a']);
    expect(a1?.children[0]).toMatchObject({ kind: 'paragraph', text: 'a1', level: 2 });
  });

  it('puts a deeper heading after a skipped level under the nearest shallower section', () => {
    const b = new StructureBuilder('Doc');
    b.heading('Deep', 3);
    b.heading('Mid', 2);
    b.heading('Deeper', 4);
    expect(titles(b.root)).toEqual(['Deep', 'Mid']);
    const mid = b.root.children[1];
    expect(mid && titles(mid)).toEqual(['Deeper']);
  });

  it('ignores blank headings and paragraphs, and collapses whitespace', () => {
    const b = new StructureBuilder('Doc');
    b.heading('   ', 1);
    b.paragraph(' \n\t ');
    b.heading('  Spaced\n  title ', 1);
    b.paragraph('a  \t b\n\n\n\nc');
    expect(b.root.children).toHaveLength(1);
    expect(b.root.children[0]?.title).toBe('Spaced title');
    expect(b.root.children[0]?.children[0]?.text).toBe('a b\n\nc');
    expect(collapse('  x \n y  ')).toBe('x y');
  });
});

describe('sectionsOf / plainText', () => {
  it('yields each run of paragraphs with its heading path, in document order', () => {
    const b = new StructureBuilder('Doc');
    b.paragraph('p0');
    b.heading('A', 1);
    b.paragraph('p1');
    b.heading('A1', 2);
    b.paragraph('p2');
    b.paragraph('p3');
    b.heading('B', 1);
    b.paragraph('p4');
    expect(sectionsOf(b.root)).toEqual([
      { headingPath: [], paragraphs: ['p0'] },
      { headingPath: ['A'], paragraphs: ['p1'] },
      { headingPath: ['A', 'A1'], paragraphs: ['p2', 'p3'] },
      { headingPath: ['B'], paragraphs: ['p4'] },
    ]);
    expect(plainText(b.root)).toBe('p0\n\np1\n\np2\n\np3\n\np4');
  });

  it('splits a section into two runs when a subsection interrupts its paragraphs', () => {
    const root: StructureNode = {
      kind: 'document',
      title: 'D',
      level: 0,
      children: [
        { kind: 'paragraph', text: 'before', level: 0, children: [] },
        { kind: 'section', title: 'S', level: 1, children: [] },
        { kind: 'paragraph', text: 'after', level: 0, children: [] },
      ],
    };
    expect(sectionsOf(root)).toEqual([
      { headingPath: [], paragraphs: ['before'] },
      { headingPath: [], paragraphs: ['after'] },
    ]);
  });

  it('gives nothing for a document without paragraphs', () => {
    const b = new StructureBuilder('Only title');
    b.heading('Empty section', 1);
    expect(sectionsOf(b.root)).toEqual([]);
    expect(plainText(b.root)).toBe('');
  });
});
