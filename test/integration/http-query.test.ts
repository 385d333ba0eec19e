import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentInput } from '../../src/core/types.js';
import type { QueryResponse, RetrieveResponse } from '../../src/rag.js';
import {
  expectError,
  ingestDocs,
  okBody,
  postJson,
  retrieveHits,
  startHttpFixture,
  type HttpFixture,
} from '../helpers/http-fixture.js';

/** The question-to-answer path over HTTP: answer, citations, distribution, plan, trace, filters and limits. */

const INGESTION_GUIDE = [
  '# Ingestion',
  '',
  'This guide covers loading content into the index.',
  '',
  '## Ingesting documents',
  '',
  'To ingest documents, POST them as a JSON batch to /v1/documents. Each document needs an id and a text, and may carry a format and metadata.',
  '',
  '## Removing documents',
  '',
  'A DELETE request to /v1/documents/:id removes a document with all of its chunks.',
].join('\n');

const CORPUS: DocumentInput[] = [
  { id: 'ingestion', format: 'markdown', text: INGESTION_GUIDE, meta: { topic: 'ops', internal: true } },
  { id: 'cooking', text: 'Pasta should be boiled in salted water for about ten minutes until it is al dente.', meta: { topic: 'food' } },
  { id: 'astronomy', text: 'Stars are giant balls of hot plasma held together by their own gravity. A star is born in a nebula.', meta: { topic: 'space' } },
  { id: 'archive', text: 'The city archive keeps old documents and maps in climate-controlled boxes.', meta: { topic: 'history', internal: false } },
];

const PIPELINE_SPANS = ['query.plan', 'retrieve.bm25', 'rerank.lexical', 'select.budget', 'read.extractive', 'pipeline.default'];

describe.each(['memory', 'fts5'] as const)('POST /v1/query end to end (engine %s)', (engine) => {
  let fx: HttpFixture;

  beforeAll(async () => {
    fx = await startHttpFixture({ retrieval: { bm25: { engine } } });
    await ingestDocs(fx.app, CORPUS);
  });
  afterAll(async () => {
    await fx.close();
  });

  it('answers "how do I ingest documents?" from the ingestion guide, with citations, distribution, plan and trace', async () => {
    const query = 'how do I ingest documents?';
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query }));

    expect(body.abstained).toBe(false);
    expect(body.pipeline).toBe('default');
    expect(body.answer.trim().length).toBeGreaterThan(0);
    expect(INGESTION_GUIDE).toContain(body.answer);
    expect(body.answer).toMatch(/ingest/i);
    expect(body.answer).toMatch(/\/v1\/documents/);

    // Citations point at passages, the first at the "Ingesting documents" section of the guide.
    expect(body.citations.length).toBeGreaterThan(0);
    const first = body.citations[0];
    expect(first?.docId).toBe('ingestion');
    expect(first?.headingPath).toContain('Ingesting documents');
    expect(first?.title).toBe('Ingestion');
    expect(body.passages.length).toBeGreaterThan(0);
    for (const c of body.citations) {
      const passage = body.passages[c.n - 1];
      expect(passage?.chunkId).toBe(c.chunkId);
      expect(passage?.docId).toBe(c.docId);
    }
    expect(body.passages.find((p) => p.chunkId === first?.chunkId)?.text).toContain(body.answer);
    for (const p of body.passages) {
      expect(p.tokens).toBeGreaterThan(0);
      expect(Number.isFinite(p.score)).toBe(true);
    }

    // The candidates are a probability distribution, best first; the answer is the best.
    expect(body.candidates.length).toBeGreaterThan(0);
    const probs = body.candidates.map((c) => c.prob);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    for (const p of probs) {
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
    }
    expect([...probs].sort((a, b) => b - a)).toEqual(probs);
    expect(body.candidates[0]?.text).toBe(body.answer);
    expect(body.confidence).toBe(body.candidates[0]?.prob);
    for (const c of body.candidates) for (const n of c.citations) expect(body.passages[n - 1]).toBeDefined();
    expect(body.entropy).toBeGreaterThanOrEqual(0);
    expect(body.normalizedEntropy).toBeGreaterThanOrEqual(0);
    expect(body.normalizedEntropy).toBeLessThanOrEqual(1);

    // The plan keeps the question as asked.
    expect(body.plan.original).toBe(query);
    expect(body.plan.corrected).toBe(query);
    expect(body.plan.subQueries.length).toBeGreaterThan(0);

    // Every stage appears in the trace, timed.
    const names = body.trace.spans.map((s) => s.name);
    for (const name of PIPELINE_SPANS) expect(names).toContain(name);
    for (const span of body.trace.spans) {
      expect(typeof span.ms).toBe('number');
      expect(span.ms).toBeGreaterThanOrEqual(0);
      expect(span.at).toBeGreaterThanOrEqual(0);
    }
    expect(body.trace.totalMs).toBeGreaterThanOrEqual(0);
  });

  it('a question about something absent from the corpus abstains with no citations', async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'zzzqx frobnicate' }));
    expect(body.abstained).toBe(true);
    expect(body.citations).toEqual([]);
    expect(body.answer.length).toBeGreaterThan(0);
    expect(body.confidence).toBe(0);
    expect(body.plan.original).toBe('zzzqx frobnicate');
  });

  it('a question of stop words only is answered 200 and abstains (words, but none searchable)', async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'the and of it' }));
    expect(body.abstained).toBe(true);
    expect(body.citations).toEqual([]);
  });

  it("pipeline 'bm25-only' runs without a reranker", async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'how do I ingest documents?', pipeline: 'bm25-only' }));
    expect(body.pipeline).toBe('bm25-only');
    const names = body.trace.spans.map((s) => s.name);
    expect(names).not.toContain('rerank.lexical');
    for (const name of ['query.plan', 'retrieve.bm25', 'select.budget', 'read.extractive', 'pipeline.bm25-only']) expect(names).toContain(name);
    expect(names).not.toContain('pipeline.default');
  });

  it('a metadata filter {docId} restricts the hits of /v1/retrieve', async () => {
    const all = await retrieveHits(fx.app, 'documents');
    expect(new Set(all.map((h) => h.docId))).toEqual(new Set(['ingestion', 'archive']));
    const onlyArchive = await retrieveHits(fx.app, 'documents', { filter: { docId: 'archive' } });
    expect(onlyArchive.length).toBeGreaterThan(0);
    expect(onlyArchive.every((h) => h.docId === 'archive')).toBe(true);
    const onlyGuide = await retrieveHits(fx.app, 'documents', { filter: { docId: 'ingestion' } });
    expect(onlyGuide.length).toBeGreaterThan(0);
    expect(onlyGuide.every((h) => h.docId === 'ingestion')).toBe(true);
  });

  it('metadata filters on string and boolean values, all keys must match', async () => {
    expect((await retrieveHits(fx.app, 'documents', { filter: { topic: 'history' } })).map((h) => h.docId)).toEqual(['archive']);
    expect(new Set((await retrieveHits(fx.app, 'documents', { filter: { internal: true } })).map((h) => h.docId))).toEqual(new Set(['ingestion']));
    expect((await retrieveHits(fx.app, 'documents', { filter: { internal: false } })).map((h) => h.docId)).toEqual(['archive']);
    expect(await retrieveHits(fx.app, 'documents', { filter: { topic: 'history', docId: 'ingestion' } })).toEqual([]);
    expect(await retrieveHits(fx.app, 'documents', { filter: { topic: 'nothing-has-this' } })).toEqual([]);
    expect(await retrieveHits(fx.app, 'documents', { filter: { docId: 'no-such-doc' } })).toEqual([]);
  });

  it('a filter also restricts /v1/query passages and citations', async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'how do I ingest documents?', filter: { docId: 'archive' } }));
    expect(body.passages.every((p) => p.docId === 'archive')).toBe(true);
    expect(body.citations.every((c) => c.docId === 'archive')).toBe(true);
  });

  it('k bounds the number of hits; hits come best first with a source', async () => {
    const res = okBody<RetrieveResponse>(await postJson(fx.app, '/v1/retrieve', { query: 'documents stars pasta', k: 2 }));
    expect(res.hits).toHaveLength(2);
    expect(res.hits[0]?.score).toBeGreaterThanOrEqual(res.hits[1]?.score ?? Number.POSITIVE_INFINITY);
    expect(res.hits.every((h) => h.source === 'bm25')).toBe(true);
    expect(res.trace.spans.map((s) => s.name)).toEqual(['cache.get', 'query.plan', 'retrieve.bm25', 'retrieve.intents']);
    expect(res.plan.original).toBe('documents stars pasta');
  });

  it('contextTokens bounds the context the reader sees', async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'documents stars pasta', contextTokens: 32 }));
    expect(body.passages.length).toBeGreaterThan(0);
    expect(body.passages.reduce((s, p) => s + p.tokens, 0)).toBeLessThanOrEqual(32);
  });

  it('the query text is normalised (NFKC, control characters, spaces) but the original is kept', async () => {
    const query = '  ｉｎｇｅｓｔ\u0000  documents\t\n';
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query }));
    expect(body.plan.original).toBe(query);
    expect(body.plan.corrected).toBe('ingest documents');
    expect(body.citations[0]?.docId).toBe('ingestion');
  });

  it('timeoutMs: 1 is answered 200 or 504 DEADLINE_EXCEEDED, never 500', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await postJson(fx.app, '/v1/query', { query: 'how do I ingest documents?', timeoutMs: 1 });
      expect([200, 504], res.body).toContain(res.statusCode);
      if (res.statusCode === 504) {
        const err = expectError(res, 504, 'DEADLINE_EXCEEDED');
        expect(err.message).toMatch(/deadline exceeded/);
      }
    }
  });
});

describe('a server whose deadline is always already past', () => {
  // requestTimeoutMs has a floor of 100 ms, so a deadline cannot be forced through config; a client timeoutMs of 1
  // against a corpus large enough to take longer than 1 ms to search is the closest over HTTP.
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture();
    const docs = Array.from({ length: 400 }, (_, i) => ({
      id: `bulk-${i}`,
      text: `Bulk document ${i} about documents, ingestion, retrieval and ranking number ${i % 17} with filler words ${'lorem ipsum '.repeat(20)}`,
    }));
    await ingestDocs(fx.app, docs);
  });
  afterAll(async () => {
    await fx.close();
  });

  it('timeoutMs: 1 over a few hundred documents is 200 or 504, never 500', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const res = await postJson(fx.app, '/v1/query', { query: 'documents ingestion retrieval ranking lorem', timeoutMs: 1 });
      statuses.add(res.statusCode);
      if (res.statusCode === 504) expectError(res, 504, 'DEADLINE_EXCEEDED');
      else expect(res.statusCode, res.body).toBe(200);
    }
    expect(statuses.has(500)).toBe(false);
  });

  it('/v1/retrieve without k returns 10 hits by default', async () => {
    expect(await retrieveHits(fx.app, 'documents')).toHaveLength(10);
  });
});

describe('metadata filter keys with JSON-path characters', () => {
  // BUG (src/store/sqlite-store.ts, rowidsMatching): the key is quoted into a SQLite JSON path as `$."key"` with a
  // `"` doubled to `""`, but SQLite escapes with a backslash: a key holding `"` never matches, a key holding `\`
  // does not match either, and a key ending in `\` makes SQLite throw ("bad JSON path") -> 500.
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture();
    await ingestDocs(fx.app, [
      { id: 'weird-meta', text: 'Cassowaries are large flightless birds.', meta: { 'say "hi"': 'yes', 'back\\slash': 'yes', 'trailing\\': 'yes', 'dot.ted': 'yes' } },
      { id: 'plain-meta', text: 'Cassowaries live in rainforests.', meta: { other: 'no' } },
    ]);
  });
  afterAll(async () => {
    await fx.close();
  });

  it('a key with a dot matches', async () => {
    expect((await retrieveHits(fx.app, 'cassowaries', { filter: { 'dot.ted': 'yes' } })).map((h) => h.docId)).toEqual(['weird-meta']);
  });

  it.each(['say "hi"', 'back\\slash', 'trailing\\'])('a key %j matches the document that has it (and is never a 500)', async (key) => {
    const res = await postJson(fx.app, '/v1/retrieve', { query: 'cassowaries', filter: { [key]: 'yes' } });
    expect(res.statusCode, res.body).not.toBe(500);
    const body = okBody<RetrieveResponse>(res);
    expect(body.hits.map((h) => h.docId)).toEqual(['weird-meta']);
  });
});

describe('"none of these" in the response', () => {
  let fx: HttpFixture;

  beforeAll(async () => {
    fx = await startHttpFixture({ ensembles: { both: { members: ['default', 'bm25-only'], abstainAbove: 1 } } });
    await ingestDocs(fx.app, [{ id: 'zebra', text: 'Zebra stripes deter biting flies, according to field studies in Tanzania.' }]);
  });
  afterAll(async () => {
    await fx.close();
  });

  it('says how much the passages leave to "none of these", for a pipeline and for an ensemble and its members', async () => {
    // "done" is in no passage: the reader leaves part of its mass to "none of these", and the ensemble of two such
    // members is no surer than they are (one cluster alone once read as confidence 1).
    const query = 'where were the zebra studies done?';
    const single = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query }));
    expect(single.unsupported).toBeGreaterThan(0.2);
    expect(single.confidence + (single.unsupported ?? 0)).toBeCloseTo(1, 5);
    const both = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query, ensemble: 'both' }));
    expect(both.answer).toBe(single.answer);
    expect(both.unsupported).toBeCloseTo(single.unsupported ?? 0, 5);
    expect(both.confidence).toBeCloseTo(single.confidence, 5);
    expect(both.members?.map((m) => m.unsupported)).toEqual([single.unsupported, single.unsupported]);
    // A question the passage covers leaves nothing to "none of these", and says nothing of it.
    const covered = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'what do zebra stripes deter?' }));
    expect(covered.unsupported).toBeUndefined();
  });
});
