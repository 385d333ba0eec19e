import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { DocumentFormat } from '../../../src/core/types.js';
import { Chunker } from '../../../src/store/chunker.js';
import { structureOf } from '../../../src/store/rule-structure.js';
import { StructurePool } from '../../../src/store/structure-pool.js';
import { UnparsableDocument } from '../../../src/store/unparsable-document.js';

const pool = new StructurePool({ threads: 1, fromChars: 100 });
afterAll(() => pool.close());

const section = (i: number): string => `## Part ${i}\n\nThe ${i}th paragraph names *Ada Lovelace* and [a link](https://example.org/${i}).\n\n- item one\n- item two\n`;
const markdown = `# Handbook\n\n${Array.from({ length: 40 }, (_, i) => section(i)).join('\n')}`;
const samples: Array<[DocumentFormat, string]> = [
  ['markdown', markdown],
  ['html', `<html><head><title>Page</title></head><body><h1>Page</h1>${Array.from({ length: 40 }, (_, i) => `<h2>S${i}</h2><p>Para <b>${i}</b> &amp; more.</p>`).join('')}</body></html>`],
  ['text', Array.from({ length: 40 }, (_, i) => `HEADING ${i}\n\nA plain paragraph number ${i} about gardening and soil.`).join('\n\n')],
];

describe('StructurePool', () => {
  it('takes only documents from its size on, and none with no threads', () => {
    expect(pool.takes('x'.repeat(99))).toBe(false);
    expect(pool.takes('x'.repeat(100))).toBe(true);
    expect(new StructurePool({ threads: 0, fromChars: 1 }).takes('x'.repeat(1000))).toBe(false);
  });

  for (const [format, text] of samples) {
    it(`builds in a thread the same ${format} tree as the rules on the calling thread`, async () => {
      const tree = await pool.structure(text, format, 'fallback', {});
      expect(tree).toEqual(structureOf(text, format, 'fallback'));
      expect(tree.children.length).toBeGreaterThan(1);
    });
  }

  it('passes the plain-text options on', async () => {
    const text = samples[2]?.[1] ?? '';
    expect(await pool.structure(text, 'text', 't', { topicSections: false })).toEqual(structureOf(text, 'text', 't', { topicSections: false }));
  });

  it('leaves the event loop free while it parses', async () => {
    let done = false;
    const parsing = pool.structure(markdown.repeat(20), 'markdown', 't', {}).then(() => (done = true));
    // Parsed on this thread, the document would be done before this turn came.
    await nextTurn();
    expect(done).toBe(false);
    await parsing;
    expect(done).toBe(true);
  });

  it('cuts a tree into the same chunks as the chunker on the calling thread, leaving the event loop free', async () => {
    const chunking = { chunkSize: 200, chunkOverlap: 20 };
    const tree = structureOf(markdown, 'markdown', 't');
    expect(await pool.chunk(tree, chunking)).toEqual(await new Chunker(chunking).chunk(tree));
    // Text with few spaces, which the splitter cuts character by character: before, on the event loop, 1.1 s for 4.8 MB.
    const blob = structureOf(`# Blob\n\n${'QUJD'.repeat(50_000)}`, 'markdown', 't');
    let done = false;
    const cutting = pool.chunk(blob, chunking).then((chunks) => ((done = true), chunks));
    await nextTurn();
    expect(done).toBe(false);
    expect(await cutting).toEqual(await new Chunker(chunking).chunk(blob));
  });

  it('gives back a document its parser refuses as UnparsableDocument, with the reason', async () => {
    const deep = `- top\n${' '.repeat(257)}- deep\n${'x'.repeat(200)}`;
    const err = await pool.structure(deep, 'markdown', 't', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnparsableDocument);
    expect((err as Error).message).toContain('more than 256 columns');
  });

  it('stops waiting for a parse when its signal aborts', async () => {
    const controller = new AbortController();
    const parsing = pool.structure(markdown.repeat(40), 'markdown', 't', {}, controller.signal);
    controller.abort();
    await expect(parsing).rejects.toThrow(/abort/i);
  });

  it('starts its threads again after close', async () => {
    const own = new StructurePool({ threads: 1, fromChars: 1 });
    expect((await own.structure('# A\n\ntext', 'markdown', 't', {})).title).toBe('A');
    await own.close();
    expect((await own.structure('# B\n\ntext', 'markdown', 't', {})).title).toBe('B');
    await own.close();
  });
});
