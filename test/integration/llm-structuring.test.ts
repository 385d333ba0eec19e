import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Span } from '../../src/core/trace.js';
import type { StoredDocument } from '../../src/core/types.js';
import type { QueryResponse } from '../../src/rag.js';
import type { StructureReport } from '../../src/store/structure-report.js';
import { sectionsOf } from '../../src/store/structure.js';
import { ragErrorOf } from '../helpers/errors.js';
import { httpTestConfig, okBody, postJson, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { OpenAiTestServer } from '../helpers/openai-test-server.js';
import { groupedTreeReply, isStructuringRequest, shownParagraphs } from '../helpers/tree-reply.js';

/**
 * `refiner.structure: llm` end to end: POST /v1/documents has the LLM (the OpenAI-compatible test server) structure
 * a plain-text document in LongRefiner's tree format, the stored tree has the model's sections over the original
 * text, the response and trace say which structurer ran, a garbage reply and a failing model fall back to the
 * rules, and a
 * hierarchical refine over the stored tree picks the right section.
 */

const OBSERVATORY: Array<[string | null, string]> = [
  [null, 'The Kellerhorn Observatory stands on a ridge above the village of Aldren, at two thousand metres.'],
  [null, 'It is run by a foundation and opens to visitors on clear summer evenings.'],
  ['Founding', 'The observatory was founded in 1903 by the astronomer Ottilie Brandner with money from a local brewery.'],
  ['Founding', 'Building the dome took four summers, since materials had to be carried up by mules.'],
  ['Telescopes', 'The main refractor has a lens of sixty centimetres, ground in Munich and installed in 1908.'],
  ['Telescopes', 'A smaller reflector was added in 1962 for photographing comets and variable stars.'],
  ['Visits', 'Guided tours start at the village church and follow a marked path for about two hours.'],
  ['Visits', 'Tickets are sold at the tourist office, and children under twelve enter free of charge.'],
];
const TEXT = OBSERVATORY.map(([, p]) => p).join('\n\n');
const sectionOf = new Map(OBSERVATORY.map(([s, p]) => [p, s]));

let llm: OpenAiTestServer;
let fx: HttpFixture;
beforeAll(async () => {
  llm = await OpenAiTestServer.start();
  fx = await startHttpFixture({
    llm: { baseUrl: llm.baseUrl, model: 'test-model', maxRetries: 0, timeoutMs: 5000 },
    refiner: { structure: 'llm', queryAnalysis: 'rules', globalSelection: 'titles' },
    cache: { enabled: false },
    pipelines: { default: { kind: 'sequential' }, refined: { kind: 'sequential', refiner: 'hierarchical', contextTokens: 40 } },
  });
});
afterAll(async () => {
  await fx?.close();
  await llm?.close();
});
beforeEach(() => {
  llm.reset();
  // The model: the tree for what it is shown, by the paragraphs' known sections; anything else is not its job here.
  llm.setReply((request) => ({ text: isStructuringRequest(request) ? groupedTreeReply(shownParagraphs(request), (p) => sectionOf.get(p) ?? null) : 'unexpected' }));
});

interface IngestBody {
  documents: number;
  structure?: StructureReport;
  trace: { spans: Span[] };
}

describe('POST /v1/documents with refiner.structure "llm"', () => {
  it("stores the model's tree over the original text, says so in the response and trace, and a refine picks the right section", async () => {
    const body = okBody<IngestBody>(await postJson(fx.app, '/v1/documents', { documents: [{ id: 'kellerhorn', title: 'Kellerhorn Observatory', text: TEXT }] }));
    expect(body.structure).toEqual({ structurer: 'llm', llm: 1, rules: 0, fallbacks: 0, fallbackDocuments: [] });
    const span = body.trace.spans.find((s) => s.name === 'ingest.structure');
    expect(span?.attrs).toEqual({ structurer: 'llm', documents: 1, llm: 1, rules: 0, fallbacks: 0, calls: 1 });
    expect(span?.ms).toBeGreaterThanOrEqual(0);
    expect(body.trace.spans.some((s) => s.name === 'llm.chat')).toBe(true);

    const doc = okBody<StoredDocument>(await fx.app.inject({ method: 'GET', url: '/v1/documents/kellerhorn' }));
    expect(sectionsOf(doc.structure)).toEqual([
      { headingPath: [], paragraphs: OBSERVATORY.slice(0, 2).map(([, p]) => p) },
      { headingPath: ['Founding'], paragraphs: OBSERVATORY.slice(2, 4).map(([, p]) => p) },
      { headingPath: ['Telescopes'], paragraphs: OBSERVATORY.slice(4, 6).map(([, p]) => p) },
      { headingPath: ['Visits'], paragraphs: OBSERVATORY.slice(6).map(([, p]) => p) },
    ]);

    const r = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'How large is the lens of the main refractor telescope?', pipeline: 'refined' }));
    const lens = r.passages.find((p) => p.text.includes('sixty centimetres'));
    expect(lens).toMatchObject({ docId: 'kellerhorn', headingPath: ['Telescopes'] });
    expect(r.passages.reduce((n, p) => n + p.tokens, 0)).toBeLessThanOrEqual(40);
    // Only the structuring call went to the model: refining used the stored tree.
    expect(llm.requests.filter((req) => req.path === '/v1/chat/completions' && !isStructuringRequest(req))).toHaveLength(0);
  });

  it('falls back to the rules for a reply that is not a tree, stores the document all the same, and names it', async () => {
    llm.setReply(() => ({ text: 'Sure! This document is about an observatory.' }));
    const body = okBody<IngestBody>(await postJson(fx.app, '/v1/documents', { documents: [{ id: 'garbled', text: TEXT }] }));
    expect(body.documents).toBe(1);
    expect(body.structure).toEqual({
      structurer: 'llm',
      llm: 0,
      rules: 1,
      fallbacks: 1,
      fallbackDocuments: [{ id: 'garbled', reason: 'the reply is not in the tree format (no <abstract> or <section: ...> tags)' }],
    });
    expect(body.trace.spans.find((s) => s.name === 'ingest.structure')?.attrs).toMatchObject({ llm: 0, fallbacks: 1 });
    const doc = okBody<StoredDocument>(await fx.app.inject({ method: 'GET', url: '/v1/documents/garbled' }));
    expect(sectionsOf(doc.structure).flatMap((s) => s.paragraphs)).toEqual(OBSERVATORY.map(([, p]) => p));
  });

  it('stores the batch with the rules\' trees when the model server is down, and flags it degraded', async () => {
    llm.setReply(() => ({ status: 503, error: 'overloaded' }));
    const res = await postJson(fx.app, '/v1/documents', { documents: [{ id: 'never', text: TEXT }] });
    expect(res.statusCode).toBe(200);
    const body = res.json<IngestBody>();
    expect(body.structure).toMatchObject({ llm: 0, fallbacks: 1, degraded: { stage: 'structure', reason: 'llm unavailable', fallback: 'rules' } });
    expect(body.structure?.fallbackDocuments[0]).toMatchObject({ id: 'never', reason: expect.stringMatching(/^the LLM failed \(llm unavailable\)/) });
    expect(body.trace.spans.find((s) => s.name === 'ingest.structure')?.attrs).toMatchObject({ llm: 0, fallbacks: 1, degraded: true });
    expect((await fx.app.inject({ method: 'GET', url: '/v1/documents/never' })).statusCode).toBe(200);
  });
});

describe('configuration', () => {
  it('refiner.structure "llm" without an llm section is a CONFIG error naming what is missing', () => {
    const err = ragErrorOf(() => httpTestConfig({ refiner: { structure: 'llm' } }));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('refiner.structure: "llm" needs an llm section (at least llm.baseUrl and llm.model)');
  });
});
