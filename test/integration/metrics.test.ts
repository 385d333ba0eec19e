import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestDocs, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { POTTERY_DOCS, POTTERY_QUESTION, dropMidStream, llmPipeline } from '../helpers/hung-llm.js';
import { OpenAiTestServer } from '../helpers/openai-test-server.js';

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

describe('GET /metrics: requests their client left', () => {
  let fx: HttpFixture;
  let llm: OpenAiTestServer;
  let base: string;
  beforeAll(async () => {
    llm = await OpenAiTestServer.start({ reply: () => ({ text: 'Lighthouses guide ships [1].', delayMs: 5000 }) });
    fx = await startHttpFixture({
      cache: { enabled: false },
      llm: { baseUrl: llm.baseUrl, model: 'test-model', maxRetries: 0, timeoutMs: 20_000, fallback: 'none' },
      pipelines: { llm: { kind: 'sequential', generator: 'llm' } },
    });
    await fx.rag.ingest([{ id: 'd1', text: 'Lighthouses guide ships along dangerous coasts at night.' }]);
    base = await fx.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
  });

  it('counts a JSON or streamed query whose client went away as 499, once', async () => {
    // Before, a request cut short finished no response, and onResponse, which counts, never ran.
    for (const stream of [false, true]) {
      const controller = new AbortController();
      const res = fetch(`${base}/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'what guides ships at night?', pipeline: 'llm', stream }),
        signal: controller.signal,
      });
      if (stream) await (await res).body?.getReader().read();
      await expect.poll(() => llm.inFlight, { timeout: 2000 }).toBe(1);
      controller.abort();
      await res.catch(() => undefined);
      await expect.poll(() => llm.inFlight, { timeout: 2000 }).toBe(0);
    }
    await expect
      .poll(async () => (await fx.app.inject({ method: 'GET', url: '/metrics' })).body, { timeout: 2000 })
      .toMatch(/rag_http_requests_total\{method="POST",route="\/v1\/query",status="499"\} 2\n/);
    const text = (await fx.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).not.toMatch(/route="\/v1\/query",status="200"/);
  });
});

describe('GET /metrics: streams that failed after they opened', () => {
  let fx: HttpFixture;
  let llm: OpenAiTestServer;
  beforeAll(async () => {
    llm = await OpenAiTestServer.start({ reply: dropMidStream });
    fx = await startHttpFixture({ cache: { enabled: false }, ...llmPipeline(llm.baseUrl) });
    await ingestDocs(fx.app, POTTERY_DOCS);
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
  });

  it('counts them by route and error code, where the request counter has them as 200', async () => {
    const query = await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: POTTERY_QUESTION, pipeline: 'llm', stream: true } });
    expect(query.body).toMatch(/event: error\ndata: \{"statusCode":503,"code":"UNAVAILABLE"/);
    for (let i = 0; i < 2; i++) {
      const chat = await fx.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        payload: { model: 'llm', stream: true, messages: [{ role: 'user', content: POTTERY_QUESTION }] },
      });
      expect(chat.body).toMatch(/data: \{"error":\{"message":"LLM server at .* dropped the stream midway/);
    }
    const text = (await fx.app.inject({ method: 'GET', url: '/metrics' })).body;
    // Before, nothing counted them: rag_http_requests_total says 200, the status line sent before the failure.
    expect(text).toMatch(/rag_http_requests_total\{method="POST",route="\/v1\/query",status="200"\} 1\n/);
    expect(text).toMatch(/^rag_stream_errors_total\{route="\/v1\/query",code="UNAVAILABLE"\} 1$/m);
    expect(text).toMatch(/^rag_stream_errors_total\{route="\/v1\/chat\/completions",code="UNAVAILABLE"\} 2$/m);
  });
});
