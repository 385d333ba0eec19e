import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRagClient } from '../../src/client/http-rag-client.js';
import type { StoredDocument, StructureNode } from '../../src/core/types.js';
import {
  expectError,
  ingestDocs,
  okBody,
  postJson,
  readiness,
  retrieveHits,
  startHttpFixture,
  type HttpFixture,
} from '../helpers/http-fixture.js';

/** Ingestion over HTTP: formats, upsert by id, all-or-nothing batches, the structure tree, delete. */

let fx: HttpFixture;

beforeAll(async () => {
  fx = await startHttpFixture();
});
afterAll(async () => {
  await fx.close();
});

const getDoc = (id: string) => fx.app.inject({ method: 'GET', url: `/v1/documents/${encodeURIComponent(id)}` });
const deleteDoc = (id: string) => fx.app.inject({ method: 'DELETE', url: `/v1/documents/${encodeURIComponent(id)}` });

const sections = (node: StructureNode): StructureNode[] => node.children.filter((c) => c.kind === 'section');

describe('POST /v1/documents, happy path', () => {
  it('stores text, markdown and html documents with their meta and reports counts and a version', async () => {
    const before = await readiness(fx.app);
    const res = await postJson(fx.app, '/v1/documents', {
      documents: [
        { id: 'h-text', title: 'Aardvark notes', text: 'Plain text about aardvarks.\n\nA second paragraph on termites.', meta: { lang: 'en', year: 2024, draft: false, none: null } },
        { id: 'h-md', format: 'markdown', text: '# Markdown Title\n\nIntro on **bilbies**.\n\n## Habitat\n\nBilbies dig burrows.' },
        { id: 'h-html', format: 'html', text: '<html><body><h1>Numbats</h1><p>Numbats eat termites.</p><script>var hidden = "scriptword";</script></body></html>' },
      ],
    });
    const body = okBody<{ documents: number; chunks: number; version: number; trace: { totalMs: number; spans: Array<{ name: string }> } }>(res);
    expect(body.documents).toBe(3);
    expect(body.chunks).toBeGreaterThanOrEqual(3);
    expect(body.version).toBeGreaterThan(before.version);
    expect(body.trace.spans.map((s) => s.name)).toEqual(['ingest.prepare', 'ingest.write']);

    const after = await readiness(fx.app);
    expect(after.documents).toBe(before.documents + 3);
    expect(after.chunks).toBe(before.chunks + body.chunks);
    expect(after.version).toBe(body.version);

    const text = okBody<StoredDocument>(await getDoc('h-text'));
    expect(text).toMatchObject({ id: 'h-text', title: 'Aardvark notes', format: 'text', meta: { lang: 'en', year: 2024, draft: false, none: null } });
    expect(Number.isNaN(Date.parse(text.updatedAt))).toBe(false);

    const md = okBody<StoredDocument>(await getDoc('h-md'));
    expect(md).toMatchObject({ id: 'h-md', title: 'Markdown Title', format: 'markdown', meta: {} });

    const html = okBody<StoredDocument>(await getDoc('h-html'));
    expect(html.format).toBe('html');
    expect(html.title).toBe('Numbats');
    expect(JSON.stringify(html.structure)).not.toMatch(/scriptword/);

    expect((await retrieveHits(fx.app, 'aardvarks')).map((h) => h.docId)).toEqual(['h-text']);
    expect((await retrieveHits(fx.app, 'bilbies')).map((h) => h.docId)).toContain('h-md');
    expect((await retrieveHits(fx.app, 'numbats')).map((h) => h.docId)).toContain('h-html');
    expect(await retrieveHits(fx.app, 'scriptword')).toEqual([]);
  });

  it('a title-only document (empty text) is stored and found by its title', async () => {
    await ingestDocs(fx.app, [{ id: 'title-only', title: 'Echidna spines', text: '' }]);
    expect((await retrieveHits(fx.app, 'echidna')).map((h) => h.docId)).toEqual(['title-only']);
  });

  it('an outline (headings with nothing under them) is found by its headings, in Markdown and HTML', async () => {
    // Before, such headings were stored and never found: "Kilimanjaro rollout" had no hits.
    await ingestDocs(fx.app, [
      { id: 'outline-md', format: 'markdown', text: '# Roadmap\n\n## Phase one: Zanzibar migration\n\n## Phase two: Kilimanjaro rollout\n' },
      { id: 'outline-html', format: 'html', text: '<h1>Plan</h1><h2>Step Quetzal</h2><h2>Step Ocelot</h2>' },
    ]);
    expect((await retrieveHits(fx.app, 'Kilimanjaro rollout'))[0]).toMatchObject({ docId: 'outline-md', headingPath: ['Phase two: Kilimanjaro rollout'] });
    expect((await retrieveHits(fx.app, 'Ocelot'))[0]?.docId).toBe('outline-html');
  });

  it('ids with slashes, query characters and non-ASCII round-trip through the :id routes', async () => {
    const id = 'dir/sub?x=1#frag é 漢字';
    await ingestDocs(fx.app, [{ id, text: 'A wallaroo document.' }]);
    expect(okBody<StoredDocument>(await getDoc(id)).id).toBe(id);
    expect((await retrieveHits(fx.app, 'wallaroo')).map((h) => h.docId)).toEqual([id]);
    expect(okBody<{ deleted: boolean; id: string }>(await deleteDoc(id))).toMatchObject({ deleted: true, id });
  });
});

describe('ids with slashes, as rag ingest gives them (sub/nested.txt)', () => {
  const id = 'sub/nested.txt';
  const raw = (method: 'GET' | 'DELETE', url: string) => fx.app.inject({ method, url });

  it('GET and DELETE take the id with its slashes unencoded, as well as encoded', async () => {
    await ingestDocs(fx.app, [{ id, text: 'A nested note about the dibbler.' }]);
    expect(okBody<StoredDocument>(await raw('GET', '/v1/documents/sub/nested.txt')).id).toBe(id);
    expect(okBody<StoredDocument>(await raw('GET', '/v1/documents/sub%2Fnested.txt')).id).toBe(id);
    expect(okBody<StoredDocument>(await raw('GET', '/v1/documents/sub/nested.txt?trace=1')).id).toBe(id);
    expect(okBody<{ deleted: boolean; id: string }>(await raw('DELETE', '/v1/documents/sub/nested.txt'))).toMatchObject({ deleted: true, id });
    expect(await retrieveHits(fx.app, 'dibbler')).toEqual([]);
    const again = expectError(await raw('DELETE', '/v1/documents/sub/nested.txt'), 404, 'NOT_FOUND');
    expect(again.message).toBe(`no document with id "${id}"`);
  });

  it('decodes the rest of the path: encoded characters in a slashed id, a deeper path, a trailing slash', async () => {
    const ids = ['docs/api v2/é?.md', 'a/b/c/d.txt', 'dir/'];
    await ingestDocs(fx.app, ids.map((i) => ({ id: i, text: `The document ${i} about bandicoots.` })));
    for (const i of ids) {
      const url = `/v1/documents/${i.split('/').map(encodeURIComponent).join('/')}`;
      expect(okBody<StoredDocument>(await raw('GET', url)).id).toBe(i);
      expect(okBody<{ id: string }>(await raw('DELETE', url)).id).toBe(i);
    }
  });

  it('an unknown slashed id is 404 naming it; one over 512 characters is 400 naming the id parameter', async () => {
    const err = expectError(await raw('GET', '/v1/documents/no/such/doc.md'), 404, 'NOT_FOUND');
    expect(err.message).toBe('no document with id "no/such/doc.md"');
    for (const method of ['GET', 'DELETE'] as const) {
      const long = expectError(await raw(method, `/v1/documents/${'a'.repeat(300)}/${'b'.repeat(300)}`), 400, 'VALIDATION');
      expect(long.message).toMatch(/^id: /);
    }
  });

  it('the OpenAPI document keeps one /v1/documents/{id} route, and says slashes may be sent as they are', async () => {
    const doc = okBody<{ paths: Record<string, Record<string, { description?: string }>> }>(await fx.app.inject({ method: 'GET', url: '/docs/json' }));
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/v1/documents/'))).toEqual(['/v1/documents/{id}']);
    expect(doc.paths['/v1/documents/{id}']?.['get']?.description).toMatch(/slashes may be sent as they are/);
    expect(doc.paths['/v1/documents/{id}']?.['delete']?.description).toMatch(/slashes may be sent as they are/);
  });
});

describe('GET /v1/documents/:id', () => {
  it('returns the structure tree, with nested sections from the markdown headings', async () => {
    const text = [
      '# Field Manual',
      '',
      'Opening words.',
      '',
      '## Setup',
      '',
      'Setup text.',
      '',
      '### Install',
      '',
      'Run the installer for the quokkameter.',
      '',
      '## Usage',
      '',
      'Use it daily.',
    ].join('\n');
    await ingestDocs(fx.app, [{ id: 'tree', format: 'markdown', text }]);
    const doc = okBody<StoredDocument>(await getDoc('tree'));
    expect(doc.title).toBe('Field Manual');
    expect(doc.structure.kind).toBe('document');
    expect(doc.structure.title).toBe('Field Manual');
    expect(doc.structure.level).toBe(0);
    expect(doc.structure.children[0]).toMatchObject({ kind: 'paragraph', text: 'Opening words.' });

    const top = sections(doc.structure);
    expect(top.map((s) => s.title)).toEqual(['Setup', 'Usage']);
    expect(top.map((s) => s.level)).toEqual([2, 2]);
    const setup = top[0] as StructureNode;
    expect(setup.children[0]).toMatchObject({ kind: 'paragraph', text: 'Setup text.' });
    const install = sections(setup);
    expect(install).toHaveLength(1);
    expect(install[0]).toMatchObject({ kind: 'section', title: 'Install', level: 3 });
    expect(install[0]?.children[0]).toMatchObject({ kind: 'paragraph', text: 'Run the installer for the quokkameter.' });
    expect(doc.chunkCount).toBeGreaterThanOrEqual(3);

    // The chunks keep their heading path.
    const hits = await retrieveHits(fx.app, 'quokkameter');
    expect(hits[0]?.docId).toBe('tree');
    expect(hits[0]?.headingPath).toEqual(['Setup', 'Install']);
    expect(hits[0]?.title).toBe('Field Manual');
    // A chunk under no heading but the title has no heading path at all, as docs/api.md says (not an empty one).
    const opening = (await retrieveHits(fx.app, 'opening words')).find((h) => h.docId === 'tree');
    expect(opening?.text).toContain('Opening words.');
    expect(opening).not.toHaveProperty('headingPath');
  });

  it('an empty id (GET or DELETE /v1/documents/) -> 400 naming the id parameter', async () => {
    const get = expectError(await fx.app.inject({ method: 'GET', url: '/v1/documents/' }), 400, 'VALIDATION');
    expect(get.message).toMatch(/^id: /);
    const del = expectError(await fx.app.inject({ method: 'DELETE', url: '/v1/documents/' }), 400, 'VALIDATION');
    expect(del.message).toMatch(/^id: /);
  });

  it('an unknown id -> 404 NOT_FOUND naming it', async () => {
    const err = expectError(await getDoc('no-such-doc'), 404, 'NOT_FOUND');
    expect(err.message).toMatch(/"no-such-doc"/);
  });
});

describe('upsert by id', () => {
  it('the same id twice keeps one document; its chunks are replaced and the new text is what is found', async () => {
    await ingestDocs(fx.app, [{ id: 'up', text: 'The platypus lays eggs. Oldwordalpha appears here.\n\nSecond oldwordalpha paragraph.' }]);
    const before = await readiness(fx.app);
    expect((await retrieveHits(fx.app, 'oldwordalpha')).map((h) => h.docId)).toContain('up');

    const second = await ingestDocs(fx.app, [{ id: 'up', text: 'Newwordbeta replaced everything.', meta: { rev: 2 } }]);
    expect(second.documents).toBe(1);
    expect(second.chunks).toBe(1);

    const after = await readiness(fx.app);
    expect(after.documents).toBe(before.documents);
    expect(after.version).toBe(before.version + 1);

    const doc = okBody<StoredDocument>(await getDoc('up'));
    expect(doc.chunkCount).toBe(1);
    expect(doc.meta).toEqual({ rev: 2 });

    expect(await retrieveHits(fx.app, 'oldwordalpha')).toEqual([]);
    expect(await retrieveHits(fx.app, 'platypus')).toEqual([]);
    const hits = await retrieveHits(fx.app, 'newwordbeta');
    expect(hits.map((h) => h.docId)).toEqual(['up']);
    expect(hits[0]?.text).toBe('Newwordbeta replaced everything.');
  });

  it('concurrent upserts of the same ids leave one document and one chunk per id', async () => {
    const before = await readiness(fx.app);
    const responses = await Promise.all(
      Array.from({ length: 21 }, (_, i) => postJson(fx.app, '/v1/documents', { documents: [{ id: `conc-${i % 3}`, text: `Concurrent wombatish text ${i}` }] })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array.from({ length: 21 }, () => 200));
    const after = await readiness(fx.app);
    expect(after.documents).toBe(before.documents + 3);
    expect(after.chunks).toBe(before.chunks + 3);
    expect(after.version).toBe(before.version + 21);
    const hits = await retrieveHits(fx.app, 'wombatish');
    expect(hits.map((h) => h.docId).sort()).toEqual(['conc-0', 'conc-1', 'conc-2']);
  });

  it('upsert also works on the fts5 engine', async () => {
    const other = await startHttpFixture({ retrieval: { bm25: { engine: 'fts5' } } });
    try {
      await ingestDocs(other.app, [{ id: 'u', text: 'first oldwordgamma' }]);
      await ingestDocs(other.app, [{ id: 'u', text: 'second newworddelta' }]);
      expect(await retrieveHits(other.app, 'oldwordgamma')).toEqual([]);
      expect((await retrieveHits(other.app, 'newworddelta')).map((h) => h.docId)).toEqual(['u']);
      expect((await readiness(other.app)).documents).toBe(1);
    } finally {
      await other.close();
    }
  });
});

describe('a batch with one bad document stores nothing', () => {
  const good = { id: 'batch-good', text: 'The zebracornus is a unique animal.' };

  const cases: Array<[string, unknown, number, string, RegExp]> = [
    ['text of the wrong type', { id: 'bad', text: 5 }, 400, 'VALIDATION', /^documents\.1\.text: must be string/],
    ['an empty id', { id: '', text: 'x' }, 400, 'VALIDATION', /^documents\.1\.id: /],
    ['a whitespace id', { id: '   ', text: 'x' }, 400, 'INVALID_DOCUMENT', /document 1 .*id must be a non-empty string/],
    ['a lone surrogate in the text', { id: 'bad', text: 'broken \ud800 text' }, 400, 'INVALID_DOCUMENT', /document 1 \("bad"\).*lone surrogate/],
    ['a lone surrogate in the title', { id: 'bad', title: 'x\udfff', text: 'ok text' }, 400, 'INVALID_DOCUMENT', /lone surrogate/],
    ['a lone surrogate in a meta value', { id: 'bad', text: 'ok text', meta: { lang: '\ud800' } }, 400, 'INVALID_DOCUMENT', /document 1 \("bad"\).*meta holds invalid Unicode/],
    // Markup the parsers cannot take in bounded time or stack: before, a 500 (marked ran out of stack), or seconds
    // of a blocked event loop (htmlparser2 on 100,000 nested elements: 12 s, now stopped after 2).
    ['Markdown nested past the parser stack', { id: 'bad', format: 'markdown', text: `${'- > '.repeat(900)}q` }, 400, 'INVALID_DOCUMENT', /document 1 \("bad"\).*Markdown nests/],
    ['a line of 100,000 emphasis marks', { id: 'bad', format: 'markdown', text: '*x'.repeat(100_000) }, 400, 'INVALID_DOCUMENT', /document 1 \("bad"\): Markdown line 1 holds more than 2000 emphasis/],
    ['HTML nested 100,000 elements deep', { id: 'bad', format: 'html', text: `${'<ul><li>'.repeat(100_000)}x` }, 400, 'INVALID_DOCUMENT', /HTML took over 2000 ms to parse/],
    ['a duplicate id within the batch', { id: 'batch-good', text: 'again' }, 400, 'INVALID_DOCUMENT', /document 1 \("batch-good"\).*appears twice/],
    ['empty text and no title', { id: 'bad', text: '  ' }, 400, 'INVALID_DOCUMENT', /document 1 \("bad"\).*text is empty/],
    ['HTML with no text and no title', { id: 'bad', format: 'html', text: '<p> </p><!-- c -->' }, 400, 'INVALID_DOCUMENT', /document 1 \("bad"\): text is empty once parsed as HTML/],
    ['an unknown field', { id: 'bad', text: 'x', extra: 1 }, 400, 'VALIDATION', /^documents\.1: unknown field "extra"/],
    ['an unknown format', { id: 'bad', text: 'x', format: 'pdf' }, 400, 'VALIDATION', /^documents\.1\.format/],
    ['a nested meta value', { id: 'bad', text: 'x', meta: { a: { b: 1 } } }, 400, 'VALIDATION', /^documents\.1\.meta\.a: must be string, number, boolean or null$/],
    ['a missing text', { id: 'bad' }, 400, 'VALIDATION', /^documents\.1\.text: is required/],
    ['a document that is a string', 'just text', 400, 'VALIDATION', /^documents\.1: must be object/],
  ];

  it.each(cases)('%s -> %s %s, and nothing of the batch is stored', async (_name, bad, status, code, message) => {
    const before = await readiness(fx.app);
    const res = await postJson(fx.app, '/v1/documents', { documents: [good, bad] });
    const err = expectError(res, status, code);
    expect(err.message).toMatch(message);
    if (code === 'INVALID_DOCUMENT') {
      expect(err.message).toMatch(/nothing of this batch was stored/);
      expect(err.details).toMatchObject({ index: 1 });
    }
    const after = await readiness(fx.app);
    expect(after).toEqual(before);
    expect(await retrieveHits(fx.app, 'zebracornus')).toEqual([]);
    expectError(await getDoc('batch-good'), 404, 'NOT_FOUND');
  });

  it('the good document alone is then stored (the cases above did not fail for another reason)', async () => {
    await ingestDocs(fx.app, [good]);
    expect((await retrieveHits(fx.app, 'zebracornus')).map((h) => h.docId)).toEqual(['batch-good']);
    expect(okBody<{ deleted: boolean }>(await deleteDoc('batch-good')).deleted).toBe(true);
  });

  it('a failing batch does not touch a document it would have replaced', async () => {
    await ingestDocs(fx.app, [{ id: 'keep', text: 'Original kookaburra text.' }]);
    const res = await postJson(fx.app, '/v1/documents', {
      documents: [
        { id: 'keep', text: 'Replacement lorikeet text.' },
        { id: 'bad', text: 'lone \udc00 surrogate' },
      ],
    });
    expectError(res, 400, 'INVALID_DOCUMENT');
    expect((await retrieveHits(fx.app, 'kookaburra')).map((h) => h.docId)).toEqual(['keep']);
    expect(await retrieveHits(fx.app, 'lorikeet')).toEqual([]);
  });
});

describe('POST /v1/documents, bad bodies', () => {
  it('an empty documents array -> 400 naming the field', async () => {
    const err = expectError(await postJson(fx.app, '/v1/documents', { documents: [] }), 400, 'VALIDATION');
    expect(err.message).toMatch(/^documents: must NOT have fewer than 1 items/);
  });

  it('no documents field -> 400 "documents: is required"', async () => {
    const err = expectError(await postJson(fx.app, '/v1/documents', {}), 400, 'VALIDATION');
    expect(err.message).toBe('documents: is required');
  });

  it('documents not an array -> 400', async () => {
    const err = expectError(await postJson(fx.app, '/v1/documents', { documents: { id: 'x', text: 'y' } }), 400, 'VALIDATION');
    expect(err.message).toMatch(/^documents: must be array/);
  });

  it('an unknown top-level field -> 400 naming it', async () => {
    const err = expectError(await postJson(fx.app, '/v1/documents', { documents: [{ id: 'x', text: 'y' }], mode: 'fast' }), 400, 'VALIDATION');
    expect(err.message).toBe('unknown field "mode"');
  });

  it('invalid UTF-8 in a document -> 400 and nothing stored', async () => {
    const before = await readiness(fx.app);
    const body = Buffer.concat([Buffer.from('{"documents":[{"id":"utf","text":"bad '), Buffer.from([0xff, 0xfe]), Buffer.from(' bytes"}]}')]);
    const res = await fx.app.inject({ method: 'POST', url: '/v1/documents', headers: { 'content-type': 'application/json' }, payload: body });
    const err = expectError(res, 400, 'BAD_REQUEST');
    expect(err.message).toMatch(/not valid UTF-8/);
    expect(await readiness(fx.app)).toEqual(before);
  });
});

describe('DELETE /v1/documents/:id', () => {
  it('deletes a document and its chunks; a second delete is 404; the document is no longer found', async () => {
    await ingestDocs(fx.app, [{ id: 'gone', format: 'markdown', text: '# Gone\n\nThe thylacine is extinct.\n\n## More\n\nThylacine stripes.' }]);
    const before = await readiness(fx.app);
    expect((await retrieveHits(fx.app, 'thylacine')).map((h) => h.docId)).toContain('gone');
    const chunkCount = okBody<StoredDocument>(await getDoc('gone')).chunkCount;

    const res = await deleteDoc('gone');
    const body = okBody<{ deleted: boolean; id: string; version: number }>(res);
    expect(body).toEqual({ deleted: true, id: 'gone', version: before.version + 1 });

    const after = await readiness(fx.app);
    expect(after.documents).toBe(before.documents - 1);
    expect(after.chunks).toBe(before.chunks - chunkCount);

    expect(await retrieveHits(fx.app, 'thylacine')).toEqual([]);
    const answer = okBody<{ abstained: boolean; passages: Array<{ docId: string }> }>(await postJson(fx.app, '/v1/query', { query: 'thylacine stripes' }));
    expect(answer.passages.map((p) => p.docId)).not.toContain('gone');

    const again = expectError(await deleteDoc('gone'), 404, 'NOT_FOUND');
    expect(again.message).toMatch(/"gone"/);
    expectError(await getDoc('gone'), 404, 'NOT_FOUND');
  });

  it('takes a JSON content type with no body, as many clients send on every request', async () => {
    await ingestDocs(fx.app, [{ id: 'typed', text: 'A document deleted by a client that always says JSON.' }]);
    const headers = { 'content-type': 'application/json' };
    expect((await fx.app.inject({ method: 'GET', url: '/v1/documents/typed', headers })).statusCode).toBe(200);
    expect((await fx.app.inject({ method: 'DELETE', url: '/v1/documents/typed', headers })).statusCode).toBe(200);
    // A POST still needs its body.
    expectError(await fx.app.inject({ method: 'POST', url: '/v1/documents', headers }), 400, 'BAD_REQUEST');
  });
});

describe('HttpRagClient: documents over the REST API', () => {
  let base: string;
  beforeAll(async () => {
    base = await fx.app.listen({ host: '127.0.0.1', port: 0 });
  });

  it('ingests, reads back and deletes a document; a missing one is undefined or false, not an error', async () => {
    const client = new HttpRagClient({ baseUrl: base });
    const ingested = await client.ingest([{ id: 'client/doc one', format: 'markdown', text: '# Kettles\n\nA kettle boils water.' }]);
    expect(ingested).toMatchObject({ documents: 1, chunks: 1 });
    expect(ingested.trace.spans.length).toBeGreaterThan(0);
    const doc = await client.getDocument('client/doc one');
    expect(doc).toMatchObject({ id: 'client/doc one', title: 'Kettles', chunkCount: 1 });
    expect(await client.deleteDocument('client/doc one')).toBe(true);
    expect(await client.getDocument('client/doc one')).toBeUndefined();
    expect(await client.deleteDocument('client/doc one')).toBe(false);
    // A batch the server refuses, and a wrong base URL (no such route), are errors with the server's code.
    await expect(client.ingest([{ id: 'empty', text: ' ' }])).rejects.toMatchObject({ code: 'INVALID_DOCUMENT' });
    await expect(new HttpRagClient({ baseUrl: `${base}/nowhere` }).getDocument('x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
