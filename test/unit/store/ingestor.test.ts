import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import type { DocumentFormat, DocumentInput } from '../../../src/core/types.js';
import { Ingestor } from '../../../src/store/ingestor.js';
import { structureOf } from '../../../src/store/rule-structure.js';
import { SqliteStore } from '../../../src/store/sqlite-store.js';
import { StructurePool } from '../../../src/store/structure-pool.js';
import { sectionsOf } from '../../../src/store/structure.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';
import { FailingEmbedder, HashingEmbedder } from '../../helpers/hashing-embedder.js';

const MAX_CHARS = 2000;
let store: SqliteStore;
let ingestor: Ingestor;

beforeEach(() => {
  store = new SqliteStore(':memory:');
  ingestor = new Ingestor(store, { chunkSize: 300, chunkOverlap: 30, maxDocumentChars: MAX_CHARS });
});
afterEach(() => store.close());

const good = (id: string, text = `text of ${id} about gardening`): DocumentInput => ({ id, text });

describe('Ingestor validation', () => {
  const invalid: Array<[string, DocumentInput, string]> = [
    ['an empty id', { id: '', text: 'x' }, 'id'],
    ['a blank id', { id: '   ', text: 'x' }, 'id'],
    ['a non-string id', { id: 42 as unknown as string, text: 'x' }, 'id'],
    ['an id over 512 characters', { id: 'i'.repeat(513), text: 'x' }, 'id'],
    ['text that is not a string', { id: 'n', text: 12 as unknown as string }, 'text'],
    ['missing text', { id: 'n' } as unknown as DocumentInput, 'text'],
    ['empty text and no title', { id: 'n', text: '  \n ' }, 'empty'],
    // Text that is not blank but holds nothing once parsed: before, stored as one chunk holding the id.
    ['HTML of only a script, navigation and an empty div', { id: 'n', format: 'html', text: "<html><head><script>x=1</script></head><body><nav><a href='/'>Home</a></nav><div></div></body></html>" }, 'text is empty once parsed as HTML'],
    ['HTML of a blank paragraph and a comment', { id: 'n', format: 'html', text: '<p> </p><!-- c -->' }, 'text is empty once parsed as HTML'],
    ['Markdown of a comment and a rule', { id: 'n', format: 'markdown', text: '<!-- draft -->\n\n---\n' }, 'text is empty once parsed as Markdown'],
    ['plain text of soft hyphens', { id: 'n', text: '\u00ad\u00ad' }, 'text is empty (only invisible characters'],
    // Before, these were stored as a document of one chunk holding them.
    ['text of a zero-width space', { id: 'n', text: '\u200b' }, 'text is empty (only invisible characters'],
    ['text of control characters', { id: 'n', text: '\u0000\u0001\u0002\u0003' }, 'text is empty (only invisible characters'],
    ['a binary file read as text', { id: 'n', format: 'markdown', text: 'PK\u0003\u0004\u0000\u0000 word.xml lorem' }, 'NUL characters: a binary file'],
    ['an id over 512 characters, counted by code point', { id: '\u{1F600}'.repeat(513), text: 'x' }, 'id is longer than 512'],
    ['a lone surrogate in the text', { id: 'n', text: 'broken \ud800 text' }, 'text holds invalid Unicode'],
    ['a lone surrogate in the title', { id: 'n', title: 'bad \udfff', text: 'fine' }, 'title holds invalid Unicode'],
    ['a lone surrogate in the id', { id: 'n\ud800', text: 'fine' }, 'id holds invalid Unicode'],
    ['a lone surrogate in a meta value', { id: 'n', text: 'fine', meta: { lang: 'x\ud800' } }, 'meta holds invalid Unicode'],
    ['a lone surrogate in a meta key', { id: 'n', text: 'fine', meta: { '\udfffkey': 'x' } }, 'meta holds invalid Unicode'],
    ['Markdown blockquotes nested past 256', { id: 'n', format: 'markdown', text: `${'> '.repeat(257)}quote` }, 'deeper than 256'],
    ['a Markdown list item indented past 256 columns', { id: 'n', format: 'markdown', text: `- top\n${' '.repeat(257)}- deep` }, 'more than 256 columns'],
    ['text over maxDocumentChars', { id: 'n', text: 'a'.repeat(MAX_CHARS + 1) }, String(MAX_CHARS)],
  ];

  it('leaves out a document of skipEmpty that holds no text once parsed, storing the rest, and says which', async () => {
    const redirect: DocumentInput = { id: 'site/old.html', format: 'html', text: '<html><head><script>location.href="new.html"</script></head></html>' };
    const r = await ingestor.ingest([good('first'), redirect, good('last')], undefined, { skipEmpty: new Set(['site/old.html']) });
    expect(r).toMatchObject({ documents: 2, skippedIds: ['site/old.html'] });
    expect(store.getDocument('site/old.html')).toBeUndefined();
    // Outside skipEmpty it still stops the batch, and a document of skipEmpty that holds text is stored.
    await expect(ingestor.ingest([redirect], undefined, { skipEmpty: new Set(['other']) })).rejects.toThrow(/text is empty once parsed as HTML/);
    expect((await ingestor.ingest([good('site/new.html')], undefined, { skipEmpty: new Set(['site/new.html']) })).skippedIds).toBeUndefined();
  });

  for (const [label, bad, reason] of invalid) {
    it(`rejects a batch holding ${label}, naming its index, and stores nothing of it`, async () => {
      await ingestor.ingest([good('existing')]);
      const before = { counts: store.counts(), version: store.version() };
      const err = await ragErrorOfAsync(() => ingestor.ingest([good('first'), good('second'), bad, good('last')]));
      expect(err.code).toBe('INVALID_DOCUMENT');
      expect(err.statusCode).toBe(400);
      expect(err.message).toContain('document 2');
      expect(err.message).toContain(reason);
      expect(err.details?.['index']).toBe(2);
      expect(store.counts()).toEqual(before.counts);
      expect(store.version()).toBe(before.version);
      expect(store.getDocument('first')).toBeUndefined();
      expect(store.getDocument('second')).toBeUndefined();
      expect(store.getDocument('last')).toBeUndefined();
      expect(store.getDocument('existing')).toBeDefined();
    });
  }

  it('stores a Markdown page of front matter only under its front-matter title, found by it', async () => {
    await ingestor.ingest([{ id: 'content/posts/_index.md', format: 'markdown', text: '---\ntitle: "Release notes"\nweight: 10\n---\n' }]);
    expect(store.getDocument('content/posts/_index.md')?.title).toBe('Release notes');
  });

  it('rejects an id that appears twice in the batch', async () => {
    const err = await ragErrorOfAsync(() => ingestor.ingest([good('a'), good('b'), good('a', 'second copy')]));
    expect(err.code).toBe('INVALID_DOCUMENT');
    expect(err.message).toContain('document 2');
    expect(err.message).toContain('"a"');
    expect(err.details).toEqual({ index: 2, id: 'a' });
    expect(store.counts()).toEqual({ documents: 0, chunks: 0 });
  });

  it('accepts text of exactly maxDocumentChars', async () => {
    const text = 'word '.repeat(MAX_CHARS / 5);
    expect(text.length).toBe(MAX_CHARS);
    const result = await ingestor.ingest([{ id: 'max', text }]);
    expect(result.documents).toBe(1);
    expect(result.chunks).toBeGreaterThan(1);
  });

  it('counts characters as the HTTP schema does: an emoji is one, though it takes two UTF-16 units', async () => {
    const text = `emoji ${'🦘'.repeat(MAX_CHARS / 2)}`;
    expect(text.length).toBeGreaterThan(MAX_CHARS);
    expect((await ingestor.ingest([{ id: 'kangaroos', text }])).documents).toBe(1);
    // Ids too: 300 emoji are 300 characters (before, 600 UTF-16 units failed the 512 limit the schema had passed).
    expect((await ingestor.ingest([{ id: '\u{1F998}'.repeat(300), text: 'kangaroos' }])).documents).toBe(1);
  });

  it('rejects an unknown format as an invalid document', async () => {
    const err = await ragErrorOfAsync(() =>
      ingestor.ingest([good('ok'), { id: 'pdf', text: 'x', format: 'pdf' as DocumentFormat }]),
    );
    expect(err.code).toBe('INVALID_DOCUMENT');
    expect(err.message).toContain('document 1');
    expect(store.counts()).toEqual({ documents: 0, chunks: 0 });
  });

  it('rejects a title that is not a string as an invalid document', async () => {
    const err = await ragErrorOfAsync(() =>
      ingestor.ingest([good('ok'), { id: 't', title: 7 as unknown as string, text: 'x' }]),
    );
    expect(err.code).toBe('INVALID_DOCUMENT');
    expect(err.message).toContain('document 1');
    expect(store.counts()).toEqual({ documents: 0, chunks: 0 });
  });
});

describe('Ingestor structuring and storage', () => {
  it('structures markdown, html and text by their headings', async () => {
    await ingestor.ingest([
      { id: 'md', format: 'markdown', text: '# MD Title\n\nintro\n\n## Setup\n\nsetup text\n\n### Linux\n\nlinux text' },
      { id: 'html', format: 'html', text: '<title>HTML Title</title><h1>Top</h1><p>p1</p><h2>Inner</h2><p>p2</p>' },
      { id: 'txt', text: 'INTRODUCTION\n\nplain intro.\n\n2 Methods\n\nmethod text.' },
    ]);
    const md = store.getDocument('md');
    expect(md?.title).toBe('MD Title');
    expect(md?.format).toBe('markdown');
    expect(md && sectionsOf(md.structure).map((s) => s.headingPath)).toEqual([[], ['Setup'], ['Setup', 'Linux']]);

    const html = store.getDocument('html');
    expect(html?.title).toBe('HTML Title');
    expect(html?.format).toBe('html');
    expect(html && sectionsOf(html.structure).map((s) => s.headingPath)).toEqual([['Top'], ['Top', 'Inner']]);

    const txt = store.getDocument('txt');
    expect(txt?.title).toBe('txt');
    expect(txt?.format).toBe('text');
    expect(txt && sectionsOf(txt.structure).map((s) => s.headingPath)).toEqual([['INTRODUCTION'], ['2 Methods']]);

    const mdChunks = store.chunksByRowid([...store.rowidsMatching({ docId: 'md' })]);
    expect(mdChunks.map((c) => [c.headingPath ?? [], c.text])).toEqual([
      [[], 'intro'],
      [['Setup'], 'setup text'],
      [['Setup', 'Linux'], 'linux text'],
    ]);
    expect(md?.chunkCount).toBe(3);
  });

  it('uses the given title for plain text and keeps metadata', async () => {
    await ingestor.ingest([{ id: 'doc-1', title: '  Field Notes ', text: 'observations', meta: { author: 'ann', n: 3 } }]);
    const doc = store.getDocument('doc-1');
    expect(doc?.title).toBe('Field Notes');
    expect(doc?.meta).toEqual({ author: 'ann', n: 3 });
  });

  it('lets a given title win over the document title, and falls back to the last part of the id', async () => {
    await ingestor.ingest([
      { id: 'given', title: 'Given Title', format: 'markdown', text: '# Own Heading\n\nbody' },
      { id: 'docs/guide.md', format: 'markdown', text: '## Only a subsection\n\nbody' },
      { id: 'own', format: 'html', text: '<title>Own Title</title><p>body</p>' },
    ]);
    expect(store.getDocument('given')?.title).toBe('Given Title');
    expect(store.getDocument('docs/guide.md')?.title).toBe('guide.md');
    expect(store.getDocument('own')?.title).toBe('Own Title');
  });

  it('keeps a markup document whose only text is its title, or that was given a title, findable by that title', async () => {
    await ingestor.ingest([
      { id: 'own', format: 'html', text: '<html><head><title>Zeppelin Hangar</title><script>x=1</script></head><body></body></html>' },
      { id: 'h1', format: 'markdown', text: '# Airship Mooring\n\n<!-- todo -->' },
      { id: 'given', format: 'html', title: 'Blimp Registry', text: '<nav>Home</nav>' },
    ]);
    for (const [id, title] of [['own', 'Zeppelin Hangar'], ['h1', 'Airship Mooring'], ['given', 'Blimp Registry']]) {
      expect(store.getDocument(id as string)?.title).toBe(title);
      expect(store.chunksByRowid([...store.rowidsMatching({ docId: id as string })]).map((c) => c.text)).toEqual([title]);
    }
  });

  it('makes a title-only document findable by its title', async () => {
    const result = await ingestor.ingest([{ id: 'to', title: 'Quarterly Zeppelin Report', text: '' }, good('other')]);
    expect(result).toMatchObject({ documents: 2 });
    const chunks = store.chunksByRowid([...store.rowidsMatching({ docId: 'to' })]);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.text).toBe('Quarterly Zeppelin Report');
    const hits = store.ftsSearch('"zeppelin"', 5);
    expect(hits.map((h) => h.rowid)).toEqual([chunks[0]?.rowid]);
  });

  it('splits long documents into chunks no longer than chunkSize', async () => {
    const text = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} talks about topic ${i % 7}.`).join(' ');
    const result = await ingestor.ingest([{ id: 'long', text }]);
    expect(result.chunks).toBeGreaterThan(3);
    const chunks = store.chunksByRowid([...store.rowidsMatching({ docId: 'long' })]);
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(300);
    expect(chunks.map((c) => c.id)).toEqual(chunks.map((_c, i) => `long#${i}`));
  });

  it('re-ingesting an id replaces the document', async () => {
    await ingestor.ingest([good('a', 'first version about cats')]);
    await ingestor.ingest([good('a', 'second version about dogs')]);
    expect(store.counts()).toEqual({ documents: 1, chunks: 1 });
    expect(store.ftsSearch('"cats"', 5)).toEqual([]);
    expect(store.ftsSearch('"dogs"', 5)).toHaveLength(1);
  });

  it('records prepare and write spans when given a RunContext', async () => {
    const ctx = new RunContext();
    await ingestor.ingest([good('a'), good('b')], ctx);
    expect(ctx.trace.spans.map((s) => s.name)).toEqual(['ingest.prepare', 'ingest.write']);
    expect(ctx.trace.spans[0]?.attrs).toEqual({ documents: 2 });
    expect(ctx.trace.spans[1]?.attrs).toEqual({ chunks: 2 });
  });

  it('stops, storing nothing, when the request was aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await ragErrorOfAsync(() => ingestor.ingest([good('a')], new RunContext({ signal: controller.signal })));
    expect(err.code).toBe('ABORTED');
    expect(store.counts()).toEqual({ documents: 0, chunks: 0 });
  });

  it('lets the event loop turn between the documents of a batch, and still stores it whole', async () => {
    const docs = Array.from({ length: 50 }, (_v, i) => ({ id: `turn-${i}`, format: 'markdown' as const, text: `# Part ${i}\n\nSome text about part ${i}.` }));
    const order: string[] = [];
    setImmediate(() => order.push('other work'));
    await ingestor.ingest(docs).then(() => order.push('batch stored'));
    expect(order).toEqual(['other work', 'batch stored']);
    expect(store.counts().documents).toBe(50);
  });

  it("keeps a Markdown or HTML document's first H1 as a section when the client gives the title", async () => {
    // Before, the H1 was taken for the title, then the client's title replaced it: "Installation" was lost.
    await ingestor.ingest([
      { id: 'md', format: 'markdown', title: 'Manual', text: '# Installation\n\nUnpack the archive.\n\n## Linux\n\nUse the tarball.' },
      { id: 'html', format: 'html', title: 'Manual', text: '<title>Page</title><h1>Setup</h1><p>Plug it in.</p>' },
      { id: 'same', format: 'markdown', title: 'Guide', text: '# Guide\n\nRead me.' },
    ]);
    const paths = (id: string): string[][] => {
      const doc = store.getDocument(id);
      return doc ? sectionsOf(doc.structure).map((x) => x.headingPath) : [];
    };
    expect(store.getDocument('md')?.title).toBe('Manual');
    expect(paths('md')).toEqual([['Installation'], ['Installation', 'Linux']]);
    expect(store.preparedDocumentsOf(['md'])[0]?.chunks.map((c) => c.headingPath)).toEqual([['Installation'], ['Installation', 'Linux']]);
    expect(paths('html')).toEqual([['Setup']]);
    // A first H1 that says the title is not repeated as a section.
    expect(paths('same')).toEqual([[]]);
  });

  it('takes soft hyphens and other marks inside words out of the text, after HTML entities are decoded', async () => {
    // Before, "Versicherungs&shy;gesellschaft" was indexed as two words: the whole word found nothing.
    await ingestor.ingest([
      { id: 'html', format: 'html', text: '<h1>Vertrag</h1><p>Die Versicherungs&shy;gesellschaft zahlt Wasser&shy;schäden.</p>' },
      { id: 'text', text: 'Die Versicherungs\u00adgesellschaft zahlt.' },
    ]);
    for (const id of ['html', 'text']) {
      const text = store.preparedDocumentsOf([id])[0]?.chunks.map((c) => c.text).join(' ') ?? '';
      expect(text).toContain('Versicherungsgesellschaft');
      expect(text).not.toMatch(/\u00ad/);
    }
    expect(store.ftsSearch('versicherungsgesellschaft', 5).length).toBe(2);
  });

  it('structureOf dispatches on the format', () => {
    expect(structureOf('# H\n\nx', 'markdown', 'fb').title).toBe('H');
    expect(structureOf('# H\n\nx', 'text', 'fb').title).toBe('fb');
    expect(structureOf('<h1>H</h1>', 'html', 'fb').title).toBe('H');
  });
});

describe('Ingestor with an embedder', () => {
  const withEmbedder = (embedder: HashingEmbedder, embedBatchSize = 32): Ingestor =>
    new Ingestor(store, { chunkSize: 300, chunkOverlap: 30, maxDocumentChars: MAX_CHARS, embedder, embedBatchSize });

  const guide = '# Guide\n\n## Setup\n\nRun the installer.\n\n## Removal\n\nDelete the folder.';

  it('embeds title, heading path and text of every chunk as passages, and stores the vectors with the chunks', async () => {
    const embedder = new HashingEmbedder({ dimensions: 64 });
    await withEmbedder(embedder).ingest([{ id: 'guide', format: 'markdown', text: guide }, good('note')]);
    expect(embedder.calls.map((c) => c.kind)).toEqual(['passage']);
    expect(embedder.calls[0]?.texts).toEqual(['Guide\nSetup\nRun the installer.', 'Guide\nRemoval\nDelete the folder.', 'note\ntext of note about gardening']);
    expect(store.vectorStatus()).toEqual({ space: { model: embedder.name, dimensions: 64 }, chunks: 3, vectors: 3 });
    // The stored vector of a chunk is the embedder's vector of its passage text.
    const [hit] = store.nearestChunks(embedder.vectorOf('Guide\nRemoval\nDelete the folder.'), 1);
    expect(store.chunksByRowid([hit?.rowid ?? -1])[0]?.headingPath).toEqual(['Removal']);
    expect(hit?.similarity).toBeCloseTo(1, 5);
  });

  it('calls the embedder in batches of embedBatchSize and records the embed spans', async () => {
    const embedder = new HashingEmbedder({ dimensions: 32 });
    const ctx = new RunContext();
    await withEmbedder(embedder, 2).ingest([good('a'), good('b'), good('c'), good('d'), good('e')], ctx);
    expect(embedder.calls.map((c) => c.texts.length)).toEqual([2, 2, 1]);
    const names = ctx.trace.spans.map((s) => s.name);
    expect(names.filter((n) => n === `embed.${embedder.name}`)).toHaveLength(3);
    expect(names.filter((n) => n.startsWith('ingest.'))).toEqual(['ingest.prepare', 'ingest.embed', 'ingest.write']);
    expect(ctx.trace.spans.find((s) => s.name === 'ingest.embed')?.attrs).toEqual({ chunks: 5, model: embedder.name });
  });

  it('stores nothing of a batch when the embedder fails part way, and says why', async () => {
    const embedder = new FailingEmbedder(3, { dimensions: 32, name: 'flaky-model' });
    const ingestor = withEmbedder(embedder, 2);
    await ingestor.ingest([good('first'), good('second')]);
    const before = { counts: store.counts(), version: store.version(), vectors: store.vectorStatus().vectors };
    const batch = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => good(id));
    const err = await ragErrorOfAsync(() => ingestor.ingest(batch));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.statusCode).toBe(503);
    expect(err.message).toContain('embedder "flaky-model" failed on chunks 5-6 of 6');
    expect(err.message).toContain('connection refused');
    expect(err.message).toContain('nothing of this batch was stored');
    expect(store.counts()).toEqual(before.counts);
    expect(store.version()).toBe(before.version);
    expect(store.vectorStatus().vectors).toBe(before.vectors);
    for (const doc of batch) expect(store.getDocument(doc.id)).toBeUndefined();
  });

  it('refuses vectors of the wrong length or without direction, storing nothing', async () => {
    class Broken extends HashingEmbedder {
      constructor(private readonly mode: 'short' | 'zero') {
        super({ dimensions: 16, name: `broken-${mode}` });
      }
      protected override async doEmbed(texts: string[]): Promise<Float32Array[]> {
        return texts.map(() => new Float32Array(this.mode === 'short' ? 15 : 16));
      }
    }
    const short = await ragErrorOfAsync(() => withEmbedder(new Broken('short')).ingest([good('a')]));
    expect(short.message).toContain('15 dimensions instead of 16');
    const zero = await ragErrorOfAsync(() => withEmbedder(new Broken('zero')).ingest([good('a')]));
    expect(zero.message).toContain('a zero or non-finite vector');
    expect(store.counts()).toEqual({ documents: 0, chunks: 0 });
  });

  it('refuses to ingest with another model than the one that made the stored vectors', async () => {
    await withEmbedder(new HashingEmbedder({ dimensions: 32 })).ingest([good('a')]);
    const err = await ragErrorOfAsync(() => withEmbedder(new HashingEmbedder({ dimensions: 64 })).ingest([good('b')]));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain('(32 dimensions)');
    expect(err.message).toContain('(64 dimensions)');
    expect(store.getDocument('b')).toBeUndefined();
  });
});

describe('Ingestor with a structure pool', () => {
  const pool = new StructurePool({ threads: 1, fromChars: 200 });
  afterAll(() => pool.close());
  const large = (id: string): DocumentInput => ({
    id,
    format: 'markdown',
    text: `# ${id}\n\n${Array.from({ length: 12 }, (_, i) => `## Step ${i}\n\nWater the seedlings of bed ${i} every morning.`).join('\n\n')}`,
  });

  it('stores the same chunks for a document parsed in a thread as for one parsed inline', async () => {
    const threaded = new SqliteStore(':memory:');
    try {
      const options = { chunkSize: 300, chunkOverlap: 30, maxDocumentChars: MAX_CHARS };
      const batch = [large('big-one'), good('small'), large('big-two')];
      expect(pool.takes(batch[0]?.text ?? '')).toBe(true);
      await new Ingestor(threaded, { ...options, structurePool: pool }).ingest(batch);
      await ingestor.ingest(batch);
      for (const doc of batch) {
        const a = threaded.getDocument(doc.id);
        expect(a?.structure).toEqual(store.getDocument(doc.id)?.structure);
        expect(a?.title).toBe(doc.id === 'small' ? 'small' : doc.id);
      }
      expect(threaded.counts()).toEqual(store.counts());
    } finally {
      threaded.close();
    }
  });

  it('refuses a large page with no text parsed in a thread, and titles one without a title of its own by its id', async () => {
    const pooled = new Ingestor(store, { chunkSize: 300, chunkOverlap: 30, maxDocumentChars: MAX_CHARS, structurePool: pool });
    const scripts: DocumentInput = { id: 'scripts', format: 'html', text: `<script>${'var x = 1;\n'.repeat(40)}</script><div></div>` };
    expect(pool.takes(scripts.text)).toBe(true);
    const err = await ragErrorOfAsync(() => pooled.ingest([good('first'), scripts]));
    expect(err.message).toContain('document 1 ("scripts"): text is empty once parsed as HTML');
    const untitled: DocumentInput = { id: 'pages/untitled.html', format: 'html', text: `<p>${'Water the seedlings every morning. '.repeat(10)}</p>` };
    expect(pool.takes(untitled.text)).toBe(true);
    await pooled.ingest([untitled]);
    expect(store.getDocument('pages/untitled.html')?.title).toBe('untitled.html');
  });

  it('rejects a batch whose large document the thread cannot parse, naming it, and stores nothing', async () => {
    const pooled = new Ingestor(store, { chunkSize: 300, chunkOverlap: 30, maxDocumentChars: MAX_CHARS, structurePool: pool });
    const deep: DocumentInput = { id: 'deep', format: 'markdown', text: `- top\n${' '.repeat(257)}- deep\n${'x '.repeat(200)}` };
    const err = await ragErrorOfAsync(() => pooled.ingest([good('first'), deep]));
    expect(err.code).toBe('INVALID_DOCUMENT');
    expect(err.message).toContain('document 1 ("deep")');
    expect(err.message).toContain('more than 256 columns');
    expect(store.counts()).toEqual({ documents: 0, chunks: 0 });
  });

  it('answers an abort during a threaded parse as the request abort it is', async () => {
    const pooled = new Ingestor(store, { chunkSize: 300, chunkOverlap: 30, maxDocumentChars: 10_000_000, structurePool: pool });
    const controller = new AbortController();
    const text = (large('x').text + '\n\n').repeat(2000);
    const ingesting = ragErrorOfAsync(() => pooled.ingest([{ id: 'huge', format: 'markdown', text }], new RunContext({ signal: controller.signal })));
    setTimeout(() => controller.abort(), 5);
    const err = await ingesting;
    expect(err.code).toBe('ABORTED');
    expect(store.getDocument('huge')).toBeUndefined();
  });
});
