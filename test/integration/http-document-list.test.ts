import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, ingestDocs, okBody, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

interface Page {
  documents: Array<{ id: string; title: string; format: string; meta: Record<string, unknown>; chunkCount: number; updatedAt: string }>;
  next?: string;
}

/** Listing what a collection holds: before, GET /v1/documents was 404, and an id no longer wanted could not be found. */
describe('GET /v1/documents', () => {
  let fx: HttpFixture;
  const list = async (query = ''): Promise<Page> => okBody<Page>(await fx.app.inject({ method: 'GET', url: `/v1/documents${query}` }));

  beforeAll(async () => {
    fx = await startHttpFixture();
    await ingestDocs(fx.app, [
      { id: 'notes/b.md', format: 'markdown', text: '# Bilbies\n\nBilbies dig burrows.', meta: { topic: 'animals' } },
      { id: 'a.txt', text: 'Quokkas live on Rottnest Island.' },
      { id: 'notes/c.html', format: 'html', text: '<h1>Cassowaries</h1><p>Cassowaries are large birds.</p>' },
    ]);
  });
  afterAll(() => fx.close());

  it('lists the stored documents in id order, without their trees', async () => {
    const page = await list();
    expect(page.documents.map((d) => d.id)).toEqual(['a.txt', 'notes/b.md', 'notes/c.html']);
    expect(page.documents[1]).toMatchObject({ title: 'Bilbies', format: 'markdown', meta: { topic: 'animals' }, chunkCount: 1 });
    expect(page.documents[1]).not.toHaveProperty('structure');
    expect(page.next).toBeUndefined();
  });

  it('pages with limit and after, the next page beginning after the last id of the one before', async () => {
    const first = await list('?limit=2');
    expect(first.documents.map((d) => d.id)).toEqual(['a.txt', 'notes/b.md']);
    expect(first.next).toBe('notes/b.md');
    const second = await list(`?limit=2&after=${encodeURIComponent(first.next ?? '')}`);
    expect(second.documents.map((d) => d.id)).toEqual(['notes/c.html']);
    expect(second.next).toBeUndefined();
    // A deleted document is gone from the listing.
    await fx.app.inject({ method: 'DELETE', url: '/v1/documents/a.txt' });
    expect((await list()).documents.map((d) => d.id)).toEqual(['notes/b.md', 'notes/c.html']);
  });

  it('lists only the ids under a prefix, paged the same way', async () => {
    // Ids just before and after the prefix's range in id order ('.' < '/' < '0').
    await ingestDocs(fx.app, [
      { id: 'notes.txt', text: 'Not under notes/.' },
      { id: 'notes0/x.txt', text: 'Not under notes/ either.' },
    ]);
    expect((await list('?prefix=notes%2F')).documents.map((d) => d.id)).toEqual(['notes/b.md', 'notes/c.html']);
    const first = await list('?prefix=notes%2F&limit=1');
    expect(first.documents.map((d) => d.id)).toEqual(['notes/b.md']);
    expect(first.next).toBe('notes/b.md');
    const second = await list(`?prefix=notes%2F&limit=1&after=${encodeURIComponent(first.next ?? '')}`);
    expect(second.documents.map((d) => d.id)).toEqual(['notes/c.html']);
    // After the range's last id, nothing (not the ids that follow it).
    expect((await list(`?prefix=notes%2F&after=${encodeURIComponent('notes/c.html')}`)).documents).toEqual([]);
    expect((await list('?prefix=zz')).documents).toEqual([]);
    expect(expectError(await fx.app.inject({ method: 'GET', url: '/v1/documents?prefix=' }), 400, 'VALIDATION').message).toMatch(/prefix/);
  });

  it('refuses a limit out of range and an unknown parameter, naming them', async () => {
    expect(expectError(await fx.app.inject({ method: 'GET', url: '/v1/documents?limit=0' }), 400, 'VALIDATION').message).toMatch(/limit/);
    expect(expectError(await fx.app.inject({ method: 'GET', url: '/v1/documents?limit=1001' }), 400, 'VALIDATION').message).toMatch(/limit/);
    expect(expectError(await fx.app.inject({ method: 'GET', url: '/v1/documents?limit=1e2' }), 400, 'VALIDATION').message).toMatch(/limit/);
    expect(expectError(await fx.app.inject({ method: 'GET', url: '/v1/documents?page=2' }), 400, 'VALIDATION').message).toMatch(/page/);
  });

  it('says the bounds for every bad limit, not the pattern of a schema', async () => {
    // Before, "abc" and "1.5" got 'limit: must match pattern "^[0-9]{1,4}$"' while 0 and 1001 got the bounds.
    for (const limit of ['abc', '1.5', '', '-1', '0', '1001', '1e2', '0x10', '%205', '99999999999999999999']) {
      const { message } = expectError(await fx.app.inject({ method: 'GET', url: `/v1/documents?limit=${limit}` }), 400, 'VALIDATION');
      expect(message, limit).toBe(`limit: must be a whole number from 1 to 1000; got ${JSON.stringify(decodeURIComponent(limit))}`);
    }
    const twice = expectError(await fx.app.inject({ method: 'GET', url: '/v1/documents?limit=1&limit=2' }), 400, 'VALIDATION');
    expect(twice.message).toBe('limit: given more than once; give it once');
    expect((await list('?limit=1000')).documents.length).toBeGreaterThan(0);
    expect((await list('?limit=0001')).documents).toHaveLength(1);
  });
});
