import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { OpenAiTestServer, type ScriptedToken } from '../helpers/openai-test-server.js';
import { parseSse } from '../helpers/sse.js';

const tok = (token: string): ScriptedToken => ({ token, logprob: Math.log(0.9), top: [{ token, logprob: Math.log(0.9) }, { token: `${token}~`, logprob: Math.log(0.1) }] });

const DOCS = [{ id: 'kiln', title: 'Kilns', text: 'A pottery kiln fires clay at about 1200 degrees Celsius to harden it.' }];

describe('POST /v1/query as server-sent events', () => {
  let llm: OpenAiTestServer;
  let fx: HttpFixture;
  let base: string;

  beforeAll(async () => {
    llm = await OpenAiTestServer.start();
    fx = await startHttpFixture({
      // No extractive stand-in, so a failing LLM shows as the stream's error event (llm-fallback.test.ts has the stand-in).
      llm: { baseUrl: llm.baseUrl, model: 'test-model', topLogprobs: 2, maxRetries: 0, timeoutMs: 5000, fallback: 'none' },
      pipelines: { llm: { kind: 'sequential', generator: 'llm' }, plain: { kind: 'sequential' } },
      ensembles: { pair: { members: ['plain', 'llm'] } },
    });
    await fx.rag.ingest(DOCS);
    base = await fx.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
  });

  it('sends plan, sources (before any answer text), tokens as deltas, candidate, answer and done, in that order', async () => {
    llm.setReply(() => ({ tokens: [tok('Kilns fire clay'), tok(' at about 1200 degrees'), tok(' [1].')] }));
    const res = await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: 'how hot does a kiln get?', pipeline: 'llm', stream: true } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    const events = parseSse(res.body);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('plan');
    expect(names[1]).toBe('sources');
    expect(names.slice(-3)).toEqual(['candidate', 'answer', 'done']);
    const tokens = events.filter((e) => e.event === 'token').map((e) => e.data['text']);
    // Deltas, never the text so far.
    expect(tokens).toEqual(['Kilns fire clay', ' at about 1200 degrees', ' [1].']);
    const sources = events[1]?.data['passages'] as Array<{ docId: string }>;
    expect(sources[0]?.docId).toBe('kiln');
    const answer = events.find((e) => e.event === 'answer')?.data;
    expect(answer?.['answer']).toBe('Kilns fire clay at about 1200 degrees [1].');
    expect((answer?.['citations'] as Array<{ docId: string }>)[0]?.docId).toBe('kiln');
    const trace = (events.at(-1)?.data['trace'] as { spans: Array<{ name: string }> }).spans.map((s) => s.name);
    expect(trace).toEqual(expect.arrayContaining(['query.plan', 'retrieve.bm25', 'generate.llm', 'pipeline.llm']));
  });

  it('streams the extractive pipeline too, with the answer as its text', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/v1/query',
      headers: { accept: 'text/event-stream' },
      payload: { query: 'how hot does a kiln get?' },
    });
    const events = parseSse(res.body);
    expect(events.map((e) => e.event)).toEqual(['plan', 'sources', 'token', 'candidate', 'answer', 'done']);
    expect(events[2]?.data['text']).toMatch(/1200 degrees/);
  });

  it('reads the Accept header as HTTP does: q=0 refuses the stream, JSON weighted higher keeps JSON, types ignore case', async () => {
    const contentType = async (accept: string): Promise<string | undefined> => {
      const res = await fx.app.inject({ method: 'POST', url: '/v1/query', headers: { accept }, payload: { query: 'how hot does a kiln get?' } });
      expect(res.statusCode).toBe(200);
      return String(res.headers['content-type']).split(';')[0];
    };
    expect(await contentType('text/event-stream;q=0')).toBe('application/json');
    expect(await contentType('application/json, text/event-stream;q=0.5')).toBe('application/json');
    expect(await contentType('TEXT/Event-Stream')).toBe('text/event-stream');
    expect(await contentType('application/json, text/event-stream')).toBe('text/event-stream');
    expect(await contentType('text/event-stream, application/json;q=0.9')).toBe('text/event-stream');
    expect(await contentType('*/*')).toBe('application/json');
  });

  it('answers mistakes as JSON errors before the stream opens, and failures inside it as an error event', async () => {
    const unknown = await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: 'kiln', pipeline: 'nope', stream: true } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<{ code: string }>().code).toBe('UNKNOWN_PIPELINE');
    // Found only once the query is planned: still before the stream opens, by query, ensemble or chat.
    for (const payload of [
      { query: '?!.,;', stream: true },
      { query: '\u0000\u0000', pipeline: 'llm', stream: true },
      { query: '  \u202e\u200f ', ensemble: 'pair', stream: true },
    ]) {
      const wordless = await fx.app.inject({ method: 'POST', url: '/v1/query', payload });
      expect(wordless.statusCode).toBe(400);
      expect(wordless.headers['content-type']).toMatch(/application\/json/);
      expect(wordless.json<{ code: string; message: string }>()).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/no words/) });
    }
    const chat = await fx.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'default', messages: [{ role: 'user', content: '???' }], stream: true } });
    expect(chat.statusCode).toBe(400);
    expect(chat.json<{ message: string }>().message).toMatch(/no words/);
    llm.setReply(() => ({ status: 500, error: 'model crashed' }));
    const failed = await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: 'how hot is a kiln?', pipeline: 'llm', stream: true } });
    const events = parseSse(failed.body);
    expect(events.map((e) => e.event)).toEqual(['plan', 'sources', 'error']);
    expect(events[2]?.data['code']).toBe('UNAVAILABLE');
  });

  it('stops the work behind the stream when the client disconnects', async () => {
    const slow = Array.from({ length: 40 }, (_v, i) => tok(` word${i}`));
    llm.setReply(() => ({ tokens: slow, chunkDelayMs: 100 }));
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'how hot does a kiln get when firing?', pipeline: 'llm', stream: true }),
      signal: controller.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('event: token')) text += new TextDecoder().decode((await reader.read()).value);
    expect(llm.inFlight).toBe(1);
    controller.abort();
    // The LLM call is cancelled long before its 4 s of tokens would have finished.
    await expect.poll(() => llm.inFlight, { timeout: 1500, interval: 50 }).toBe(0);
  });
});
