import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentInput } from '../../src/core/types.js';
import type { QueryResponse, RetrieveResponse } from '../../src/rag.js';
import { expectError, ingestDocs, okBody, postJson, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

/** Query understanding over HTTP: corrections in the plan, sub-queries driving retrieval, foundBy on results. */

const CORPUS: DocumentInput[] = [
  { id: 'earthquakes', text: 'Earthquakes usually last from a few seconds to a couple of minutes, while aftershocks continue for weeks.' },
  { id: 'volcanoes', text: 'Subglacial volcanoes erupt beneath glaciers and melt the ice, which can trigger sudden floods.' },
  { id: 'currency', text: 'The dollar remains the dominant reserve currency in international trade because of deep capital markets.' },
  { id: 'lacrosse', text: "In women's lacrosse the draw starts play: two players hold their sticks back to back at the centre." },
  { id: 'tea', text: 'Green tea such as Huangshan Maofeng is steeped for two to three minutes at about eighty degrees.' },
];

describe.each(['memory', 'fts5'] as const)('query understanding over HTTP (engine %s)', (engine) => {
  let fx: HttpFixture;

  beforeAll(async () => {
    fx = await startHttpFixture({ retrieval: { bm25: { engine } } });
    await ingestDocs(fx.app, CORPUS);
  });
  afterAll(async () => {
    await fx.close();
  });

  it('a misspelt query gets its corrections in plan.corrections and still finds the right document', async () => {
    const body = okBody<RetrieveResponse>(await postJson(fx.app, '/v1/retrieve', { query: 'how long do earthqaukes lsat', k: 3 }));
    expect(body.plan.corrections).toEqual([
      { from: 'earthqaukes', to: 'earthquakes' },
      { from: 'lsat', to: 'last' },
    ]);
    expect(body.plan.corrected).toBe('how long do earthquakes last');
    expect(body.hits[0]?.docId).toBe('earthquakes');
    expect(body.hits[0]?.foundBy).toEqual(['how long do earthquakes last']);

    const answer = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'Why is the dolar the dominant reserve currancy?' }));
    expect(answer.plan.corrections).toEqual([
      { from: 'dolar', to: 'dollar' },
      { from: 'currancy', to: 'currency' },
    ]);
    expect(answer.passages[0]?.docId).toBe('currency');
  });

  it('a multi-intent question is split; each sub-query drives retrieval and hits say who found them', async () => {
    const query = 'How long do earthquakes last? How is the draw done in lacrosse?';
    const body = okBody<RetrieveResponse>(await postJson(fx.app, '/v1/retrieve', { query, k: 5 }));
    expect(body.plan.subQueries).toEqual(['How long do earthquakes last?', 'How is the draw done in lacrosse?']);
    const byDoc = new Map(body.hits.map((h) => [h.docId, h]));
    expect(byDoc.get('earthquakes')?.foundBy).toContain('How long do earthquakes last?');
    expect(byDoc.get('lacrosse')?.foundBy).toContain('How is the draw done in lacrosse?');
    expect(body.trace.spans.find((s) => s.name === 'retrieve.intents')?.attrs).toMatchObject({ queries: 3 });

    const answer = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query }));
    expect(answer.plan.subQueries).toHaveLength(2);
    expect(answer.passages.every((p) => Array.isArray(p.foundBy) && p.foundBy.length > 0)).toBe(true);
    expect(new Set(answer.passages.map((p) => p.docId))).toEqual(new Set(['earthquakes', 'lacrosse']));
  });

  it('queries of unknown words, of 500 words and in another script are answered, left as they are', async () => {
    for (const query of ['zxqv blorft wuzzle', Array.from({ length: 500 }, (_, i) => `w${i}x`).join(' '), '地震はどのくらい続きますか']) {
      const body = okBody<RetrieveResponse>(await postJson(fx.app, '/v1/retrieve', { query }));
      expect(body.plan.corrections).toEqual([]);
      expect(body.plan.corrected).toBe(query);
    }
  });

  it('a query of punctuation only is refused with a reason, not an error of the server', async () => {
    expectError(await postJson(fx.app, '/v1/retrieve', { query: '?!... ;' }), 400, 'BAD_REQUEST');
  });

  it('a new document\'s words become correctable as soon as it is ingested, and stop being so once deleted', async () => {
    await ingestDocs(fx.app, [{ id: 'axolotl', text: 'The axolotl regenerates lost limbs.' }]);
    let body = okBody<RetrieveResponse>(await postJson(fx.app, '/v1/retrieve', { query: 'axoltol limbs' }));
    expect(body.plan.corrections).toEqual([{ from: 'axoltol', to: 'axolotl' }]);
    expect(body.hits[0]?.docId).toBe('axolotl');
    await fx.app.inject({ method: 'DELETE', url: '/v1/documents/axolotl' });
    body = okBody<RetrieveResponse>(await postJson(fx.app, '/v1/retrieve', { query: 'axoltol limbs' }));
    expect(body.plan.corrections).toEqual([]);
  });
});

describe('query understanding switched off', () => {
  it('with query.denoise and query.decompose off the plan is the normalised query alone', async () => {
    const fx = await startHttpFixture({ query: { denoise: false, decompose: false } });
    try {
      await ingestDocs(fx.app, CORPUS);
      const body = okBody<RetrieveResponse>(await postJson(fx.app, '/v1/retrieve', { query: 'earthqaukes? lacrosse?' }));
      expect(body.plan).toEqual({ original: 'earthqaukes? lacrosse?', corrected: 'earthqaukes? lacrosse?', corrections: [], subQueries: ['earthqaukes? lacrosse?'] });
    } finally {
      await fx.close();
    }
  });
});
