import { describe, expect, it } from 'vitest';
import { Chunker } from '../../../src/store/chunker.js';
import { parseMarkdown } from '../../../src/store/parse-markdown.js';
import { StructureBuilder, sectionsOf } from '../../../src/store/structure.js';
import { mulberry32, randInt } from '../../helpers/random.js';

const VOCAB = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda omicron sigma tau upsilon omega'.split(' ');

/** A random document: sections at random levels, each with paragraphs of random sentences; every word numbered. */
function randomDocument(seed: number): StructureBuilder {
  const rnd = mulberry32(seed);
  const b = new StructureBuilder(`doc ${seed}`);
  let wordNo = 0;
  const paragraph = (): string => {
    const sentences: string[] = [];
    const n = 1 + randInt(rnd, 12);
    for (let s = 0; s < n; s++) {
      const len = 3 + randInt(rnd, 25);
      const ws = Array.from({ length: len }, () => `${VOCAB[randInt(rnd, VOCAB.length)] ?? 'x'}${wordNo++}`);
      sentences.push(`${ws.join(rnd() < 0.1 ? ', ' : ' ')}${rnd() < 0.2 ? '?' : '.'}`);
    }
    return sentences.join(rnd() < 0.15 ? '\n' : ' ');
  };
  for (let p = 0; p < randInt(rnd, 3); p++) b.paragraph(paragraph());
  const sectionCount = 2 + randInt(rnd, 6);
  for (let s = 0; s < sectionCount; s++) {
    b.heading(`Section ${seed}.${s}`, 1 + randInt(rnd, 3));
    for (let p = 0; p < randInt(rnd, 6); p++) b.paragraph(paragraph());
  }
  return b;
}

describe('Chunker', () => {
  it('keeps a section that fits as one chunk with its heading path', async () => {
    const root = parseMarkdown('# T\n\nintro\n\n## A\n\nshort a\n\nsecond a\n\n### A1\n\ndeep', 'x');
    const chunks = await new Chunker({ chunkSize: 200, chunkOverlap: 20 }).chunk(root);
    expect(chunks).toEqual([
      { text: 'intro', headingPath: [] },
      { text: 'short a\n\nsecond a', headingPath: ['A'] },
      { text: 'deep', headingPath: ['A', 'A1'] },
    ]);
  });

  it('gives no chunks for a document without text, and a heading with nothing under it a chunk of its words', async () => {
    expect(await new Chunker({ chunkSize: 100, chunkOverlap: 10 }).chunk(new StructureBuilder('Only a title').root)).toEqual([]);
    // An outline: before, its headings were stored and never found ("Kilimanjaro rollout" had no hits).
    const b = new StructureBuilder('Roadmap');
    b.heading('Phase one: Zanzibar migration', 2);
    b.heading('Phase two: Kilimanjaro rollout', 2);
    b.heading('Settings', 2);
    b.paragraph('Set the port to 8080.');
    expect(await new Chunker({ chunkSize: 100, chunkOverlap: 10 }).chunk(b.root)).toEqual([
      { text: 'Phase one: Zanzibar migration', headingPath: ['Phase one: Zanzibar migration'] },
      { text: 'Phase two: Kilimanjaro rollout', headingPath: ['Phase two: Kilimanjaro rollout'] },
      { text: 'Set the port to 8080.', headingPath: ['Settings'] },
    ]);
  });

  it('splits long sections at paragraph boundaries first', async () => {
    const b = new StructureBuilder('D');
    b.heading('Long', 1);
    const paras = Array.from({ length: 6 }, (_, i) => `Paragraph ${i} ${'word '.repeat(15).trim()}.`);
    for (const p of paras) b.paragraph(p);
    const chunks = await new Chunker({ chunkSize: 200, chunkOverlap: 0 }).chunk(b.root);
    expect(chunks.length).toBeGreaterThan(1);
    // Each paragraph is ~90 characters: two fit per chunk, and none is cut in the middle.
    for (const c of chunks) {
      for (const piece of c.text.split('\n\n')) expect(paras).toContain(piece);
    }
  });

  for (const [chunkSize, chunkOverlap] of [
    [100, 0],
    [150, 30],
    [400, 50],
    [1200, 150],
  ] as const) {
    it(`holds its invariants on random documents (chunkSize ${chunkSize}, overlap ${chunkOverlap})`, async () => {
      const chunker = new Chunker({ chunkSize, chunkOverlap });
      for (let seed = 1; seed <= 12; seed++) {
        const root = randomDocument(seed * 7919 + chunkSize).root;
        const sections = sectionsOf(root, { headingOnly: true });
        const chunks = await chunker.chunk(root);
        expect(chunks.length).toBeGreaterThanOrEqual(sections.length);
        const pathKey = (p: string[]): string => JSON.stringify(p);
        for (const c of chunks) {
          expect(c.text.length).toBeLessThanOrEqual(chunkSize);
          expect(c.text.trim()).toBe(c.text);
          expect(c.text.length).toBeGreaterThan(0);
        }
        for (const section of sections) {
          const own = chunks.filter((c) => pathKey(c.headingPath) === pathKey(section.headingPath));
          const sectionWords = new Set(section.paragraphs.join(' ').match(/[a-z]+\d+/g) ?? []);
          const chunkWords = new Set(own.flatMap((c) => c.text.match(/[a-z]+\d+/g) ?? []));
          // Coverage: every word of the section is in some chunk of that section ...
          for (const w of sectionWords) expect(chunkWords.has(w), `${w} lost (seed ${seed})`).toBe(true);
          // ... and no chunk of the section carries a word of another section (no straddling).
          for (const w of chunkWords) expect(sectionWords.has(w), `${w} straddles (seed ${seed})`).toBe(true);
        }
        // Words are numbered uniquely, so chunks appear in document order (overlap may repeat a few).
        // (A heading's own chunk is its title, numbered apart.)
        const firstNumbers = chunks.filter((c) => c.text !== c.headingPath.at(-1)).map((c) => Number(/\d+/.exec(c.text)?.[0] ?? -1));
        for (let i = 1; i < firstNumbers.length; i++) {
          expect(firstNumbers[i] ?? 0).toBeGreaterThanOrEqual(firstNumbers[i - 1] ?? 0);
        }
      }
    });
  }

  it('splits a single word longer than chunkSize into pieces', async () => {
    const b = new StructureBuilder('D');
    b.paragraph('x'.repeat(350));
    const chunks = await new Chunker({ chunkSize: 100, chunkOverlap: 0 }).chunk(b.root);
    expect(chunks.map((c) => c.text.length)).toEqual([100, 100, 100, 50]);
    expect(chunks.map((c) => c.text).join('')).toBe('x'.repeat(350));
  });

  it("puts a table's header row back above the rows of every chunk that opens in the middle of the table", async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `| setting.number${i} | ${1000 + i} | what setting ${i} is for |`);
    const markdown = ['# Settings', '', '| setting | default | meaning |', '|---|---|---|', ...rows].join('\n');
    const chunks = await new Chunker({ chunkSize: 200, chunkOverlap: 0 }).chunk(parseMarkdown(markdown, 'Settings'));
    expect(chunks.length).toBeGreaterThan(2);
    // Before, only the first chunk had it: a reader took the next chunks' first row for their header.
    for (const c of chunks) expect(c.text.split('\n')[0]).toBe('setting | default | meaning');
    // A header with an empty cell ("| route | |") is one too.
    const routes = ['| route | |', '|---|---|', ...rows].join('\n');
    for (const c of await new Chunker({ chunkSize: 200, chunkOverlap: 0 }).chunk(parseMarkdown(routes, 'Routes'))) expect(c.text.split('\n')[0]?.trim()).toBe('route |');
    // Every row is still there, once.
    const all = chunks.flatMap((c) => c.text.split('\n').slice(1));
    expect(new Set(all).size).toBe(12);
  });
});
