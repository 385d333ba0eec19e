import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

describe('GET /metrics', () => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture({ cache: { enabled: false } });
    await fx.app.inject({
      method: 'POST',
      url: '/v1/documents',
      payload: { documents: [{ id: 'd1', text: 'Lighthouses guide ships along dangerous coasts at night.' }] },
    });
    await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: 'what guides ships at night?' } });
    await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: '' } });
  });
  afterAll(() => fx.close());

  it('exposes per-stage latency histograms, request counts by route and status, and the index size', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    const text = res.body;
    for (const stage of ['query.plan', 'retrieve.bm25', 'rerank.lexical', 'read.extractive', 'pipeline.default']) {
      expect(text).toMatch(new RegExp(`rag_stage_duration_seconds_count\\{stage="${stage.replace('.', '\\.')}"\\} 1`));
    }
    expect(text).toMatch(/rag_http_requests_total\{method="POST",route="\/v1\/query",status="200"\} 1/);
    expect(text).toMatch(/rag_http_requests_total\{method="POST",route="\/v1\/query",status="400"\} 1/);
    expect(text).toMatch(/^rag_index_documents 1$/m);
    expect(text).toMatch(/^rag_process_resident_memory_bytes \d+/m);
  });
});
