import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rag, type QueryResponse } from '../../src/rag.js';
import { httpTestConfig, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { OpenAiTestServer } from '../helpers/openai-test-server.js';

describe('sequential pipeline with refiner: hierarchical', () => {
  let rag: Rag;
  beforeAll(async () => {
    rag = new Rag(httpTestConfig({ cache: { enabled: false }, pipelines: { default: { kind: 'sequential' }, refined: { kind: 'sequential', refiner: 'hierarchical', contextTokens: 64 } } }));
    const filler = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} describes the gardens, the river and the old town walls in some detail.`).join('\n\n');
    await rag.ingest([
      { id: 'guide', title: 'City guide', format: 'markdown', text: `# City guide\n\n## Sights\n\n${filler}\n\n## Museum\n\nThe city museum opened in 1887 and holds the famous amber collection.` },
      { id: 'other', title: 'Other', text: 'Nothing about museums here, only weather reports and rain.' },
    ]);
  });
  afterAll(() => rag.close());

  it('refines the documents of the top chunks under contextTokens, with citable node ids', async () => {
    const r = await rag.query({ query: 'When did the city museum open?', pipeline: 'refined' });
    const text = r.passages.map((p) => p.text).join(' ');
    expect(text).toContain('1887');
    expect(r.passages.reduce((s, p) => s + p.tokens, 0)).toBeLessThanOrEqual(64);
    const museum = r.passages.find((p) => p.text.includes('1887'));
    expect(museum?.docId).toBe('guide');
    expect(museum?.chunkId).toMatch(/^guide#/);
    expect(museum?.headingPath).toEqual(['Museum']);
    // Query terms are weighted by the embedded index's statistics.
    expect(r.trace.spans.find((s) => s.name === 'refine.hierarchical')?.attrs?.['termWeights']).toBe('corpus');
    for (const c of r.citations) expect(typeof c.chunkId).toBe('string');
  });
});

describe('hierarchical refiner with an LLM that fails', () => {
  let llm: OpenAiTestServer;
  let fx: HttpFixture;
  beforeAll(async () => {
    llm = await OpenAiTestServer.start();
    fx = await startHttpFixture({
      cache: { enabled: false },
      // queryAnalysis and globalSelection "auto": both ask the LLM when there is one.
      llm: { baseUrl: llm.baseUrl, model: 'test-model', maxRetries: 0, timeoutMs: 5000 },
      pipelines: { refined: { kind: 'sequential', refiner: 'hierarchical', contextTokens: 64 } },
    });
    await fx.rag.ingest([
      { id: 'guide', title: 'City guide', format: 'markdown', text: '# City guide\n\n## Museum\n\nThe city museum opened in 1887 and holds the famous amber collection.' },
    ]);
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
  });

  it('answers from the rules when the LLM is down, and says so (it was a 503)', async () => {
    llm.setReply(() => ({ status: 500, error: 'the model server fell over' }));
    const res = await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: 'When did the city museum open?', pipeline: 'refined' } });
    expect(res.statusCode).toBe(200);
    const body = res.json<QueryResponse>();
    expect(body.passages.map((p) => p.text).join(' ')).toContain('1887');
    expect(body.degraded).toMatchObject({ stage: expect.stringMatching(/^refine\./), reason: 'llm unavailable', fallback: expect.stringMatching(/rules|title match/) });
    expect(body.trace.spans.map((s) => s.name)).toEqual(expect.arrayContaining(['refine.analyze.rules', 'refine.global.titles']));
  });

  it('leaves no model call running once the answer is sent (one that failed the request left its sibling on)', async () => {
    // The analysis is refused (a 4xx is not covered for), the section selection hangs.
    llm.setReply((req) => (JSON.stringify(req.body?.messages).includes('Global or Local') ? { status: 400, error: 'context too long' } : { delayMs: 20_000, text: 'late' }));
    // Over a real connection: a response that was sent in full closes its socket as finished, not as a client gone.
    const base = await fx.app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${base}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'When did the city museum open?', pipeline: 'refined' }) });
    expect(res.status).toBe(502);
    await res.text();
    await expect.poll(() => llm.inFlight, { timeout: 2000 }).toBe(0);
  });
});
