import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentInput } from '../../src/core/types.js';
import type { QueryResponse } from '../../src/rag.js';
import { expectError, ingestDocs, okBody, postJson, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

/** POST /v1/query with `ensemble`: members, weights, clusters, dropped members, streaming, /v1/models. */

const CORPUS: DocumentInput[] = [
  { id: 'tower', title: 'Eiffel Tower', text: 'The Eiffel Tower is a wrought-iron lattice tower in Paris. It was completed in March 1889 and designed by the company of Gustave Eiffel.' },
  { id: 'eiffel', title: 'Gustave Eiffel', text: 'Gustave Eiffel was a French civil engineer born in Dijon in 1832. His company built the Eiffel Tower for the 1889 World Fair.' },
  { id: 'paris', title: 'Paris', text: 'Paris is the capital of France. The city hosted the World Fair of 1889.' },
];

describe('POST /v1/query with an ensemble', () => {
  let fx: HttpFixture;

  beforeAll(async () => {
    fx = await startHttpFixture({
      cache: { enabled: false },
      pipelines: {
        default: { kind: 'sequential' },
        seq: { kind: 'sequential', abstainAbove: 1 },
        iter: { kind: 'iterative', rounds: 2, abstainAbove: 1 },
        loop: { kind: 'loop', rounds: 3, stopBelow: 0, abstainAbove: 1 },
        branch: { kind: 'branching', branchBy: 'documents', abstainAbove: 1 },
      },
      ensembles: { all: { members: ['seq', 'iter', 'loop', 'branch'], abstainAbove: 1 } },
    });
    await ingestDocs(fx.app, CORPUS);
  });
  afterAll(async () => {
    await fx.close();
  });

  it('answers with every member, its weight and entropy, the winning cluster and the distribution', async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'When was the Eiffel Tower completed?', ensemble: 'all' }));
    expect(body.ensemble).toBe('all');
    expect(body.members?.map((m) => m.pipeline)).toEqual(['seq', 'iter', 'loop', 'branch']);
    expect(body.members?.reduce((s, m) => s + m.weight, 0)).toBeCloseTo(1, 4);
    for (const m of body.members ?? []) expect(m.entropy).toBeGreaterThanOrEqual(0);
    expect(body.answer).toMatch(/1889/);
    expect(body.winner?.answer).toBe(body.answer);
    expect(body.confidence).toBeCloseTo(body.distribution?.[0]?.prob ?? -1, 6);
    expect(body.dropped).toEqual([]);
    expect(body.passages.length).toBeGreaterThan(0);
    const spans = body.trace.spans.map((s) => s.name);
    expect(spans).toEqual(expect.arrayContaining(['ensemble.all', 'ensemble.vote', 'pipeline.seq', 'pipeline.loop', 'round.2']));
    // Members share retrieval: the first round's retrieval ran once for four members.
    expect(spans.filter((s) => s === 'retrieve.bm25').length).toBeLessThan(8);
  });

  it('answers 400 when both pipeline and ensemble are given, and for an unknown ensemble', async () => {
    await expectError(await postJson(fx.app, '/v1/query', { query: 'eiffel', ensemble: 'all', pipeline: 'seq' }), 400, 'BAD_REQUEST');
    await expectError(await postJson(fx.app, '/v1/query', { query: 'eiffel', ensemble: 'nope' }), 400, 'UNKNOWN_ENSEMBLE');
  });

  it('streams in a pipeline\'s order: the answer text, then one candidate event per member, then the answer', async () => {
    const res = await postJson(fx.app, '/v1/query', { query: 'Who designed the Eiffel Tower?', ensemble: 'all', stream: true });
    expect(res.statusCode).toBe(200);
    const events = [...res.body.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events.filter((e) => e === 'candidate')).toHaveLength(4);
    expect(events.indexOf('sources')).toBeLessThan(events.indexOf('token'));
    // As a single pipeline streams (docs/api.md): the token came after the members' candidates.
    expect(events.indexOf('token')).toBeLessThan(events.indexOf('candidate'));
    expect(events.lastIndexOf('candidate')).toBeLessThan(events.indexOf('answer'));
    expect(events.at(-1)).toBe('done');
  });

  it('lists ensembles with the pipelines on /v1/models', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/v1/models' });
    const ids = (JSON.parse(res.body) as { data: Array<{ id: string }> }).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['seq', 'iter', 'loop', 'branch', 'all']));
  });
});
