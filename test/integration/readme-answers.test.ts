import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResponse } from '../../src/rag.js';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

/**
 * The quick start's promise: with this project's own documentation indexed (what `npm start` does on an empty
 * index), "how do I ingest documents?" is answered from the README, with a citation and a timed trace.
 */
describe('the project answers questions about itself', () => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture();
    await fx.rag.ingestPaths(['README.md', 'docs']);
  });
  afterAll(() => fx.close());

  it('answers "how do I ingest documents?" from the README, citing its section', async () => {
    const res = await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: 'how do I ingest documents?' } });
    expect(res.statusCode).toBe(200);
    const body = res.json<QueryResponse>();
    expect(body.answer).toMatch(/\/v1\/documents/);
    expect(body.citations[0]).toMatchObject({ docId: 'README.md', headingPath: ['Using it', 'Ingest documents'] });
    expect(body.trace.spans.map((s) => s.name)).toEqual(expect.arrayContaining(['retrieve.bm25', 'read.extractive']));
  });
});
