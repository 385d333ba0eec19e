import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRagClient } from '../../../src/client/http-rag-client.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';

/** A server that answers each path as scripted: status, content type and body, or never. */
const SCRIPT: Record<string, { status: number; type?: string; body: string; headers?: Record<string, string> } | 'hang'> = {
  '/a/v1/query': { status: 401, body: JSON.stringify({ statusCode: 401, code: 'UNAUTHORIZED', error: 'Unauthorized', message: 'invalid API key', requestId: 'req-1' }) },
  '/b/v1/query': { status: 429, headers: { 'retry-after': '7' }, body: JSON.stringify({ statusCode: 429, code: 'RATE_LIMITED', message: 'slow down', requestId: 'req-2' }) },
  '/c/v1/query': { status: 504, body: JSON.stringify({ statusCode: 504, code: 'DEADLINE_EXCEEDED', message: 'deadline passed', requestId: 'req-3', details: { stage: 'rerank' } }) },
  '/d/v1/query': { status: 200, type: 'text/html', body: '<html><body>Please log in</body></html>' },
  '/e/v1/query': { status: 502, type: 'application/json', body: JSON.stringify({ oops: true }) },
  '/f/v1/query': 'hang',
};

describe('HttpRagClient errors', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const step = SCRIPT[req.url ?? ''];
      if (step === 'hang' || step === undefined) return;
      res.writeHead(step.status, { 'content-type': step.type ?? 'application/json', ...step.headers });
      res.end(step.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const fail = (prefix: string, timeoutMs = 2000) => ragErrorOfAsync(() => new HttpRagClient({ baseUrl: `${base}${prefix}`, timeoutMs }).query({ query: 'bees' }));

  it("keeps the server's code, status, reason, request id, details and Retry-After", async () => {
    expect(await fail('/a')).toMatchObject({ code: 'UNAUTHORIZED', statusCode: 401, message: 'RAG server answered 401 UNAUTHORIZED: invalid API key', details: { requestId: 'req-1' } });
    expect(await fail('/b')).toMatchObject({ code: 'RATE_LIMITED', statusCode: 429, details: { retryAfter: '7', requestId: 'req-2' } });
    expect(await fail('/c')).toMatchObject({ code: 'DEADLINE_EXCEEDED', statusCode: 504, details: { server: { stage: 'rerank' } } });
  });

  it('calls an answer that is not JSON an upstream error, whatever its status, and an error body without a code by its status', async () => {
    expect(await fail('/d')).toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringMatching(/HTTP 200 with something that is not JSON: <html>/) });
    expect(await fail('/e')).toMatchObject({ code: 'UPSTREAM_ERROR', statusCode: 502 });
  });

  it('tells a server that does not answer in time from one that cannot be reached, and keeps the cause', async () => {
    expect(await fail('/f', 200)).toMatchObject({ code: 'DEADLINE_EXCEEDED', message: expect.stringMatching(/did not answer within 200 ms/) });
    // A port that was free a moment ago: nothing listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await ragErrorOfAsync(() => new HttpRagClient({ baseUrl: `http://127.0.0.1:${port}` }).query({ query: 'bees' }));
    expect(unreachable).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/unreachable: ECONNREFUSED/) });
    expect(unreachable.cause).toBeInstanceOf(Error);
  });
});

/** A server that answers POST /<name>/v1/query with a scripted event stream: frames sent, then hang or end. */
const STREAMS: Record<string, { frames: string[]; then: 'end' | 'hang' }> = {
  complete: { frames: ['event: plan\ndata: {"original":"bees"}\n\n', ': keep-alive\n\n', 'event: future\ndata: {}\n\n', 'event: token\ndata: {"text":"Be', 'es"}\n\nevent: done\ndata: {"trace":{"totalMs":1,"spans":[]}}\n\n'], then: 'hang' },
  cut: { frames: ['event: plan\ndata: {"original":"bees"}\n\n', 'event: token\ndata: {"text":"Bees"}\n\n'], then: 'end' },
  garbled: { frames: ['event: plan\ndata: <html>\n\n'], then: 'end' },
  failing: { frames: ['event: plan\ndata: {}\n\n', 'event: error\ndata: {"statusCode":502,"code":"UPSTREAM_ERROR","message":"the LLM fell over","requestId":"req-9"}\n\n'], then: 'hang' },
  stalled: { frames: ['event: plan\ndata: {}\n\n'], then: 'hang' },
};

describe('HttpRagClient streams', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const name = (req.url ?? '').split('/')[1] ?? '';
      const script = STREAMS[name];
      if (name === 'refused') {
        res.writeHead(400, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ statusCode: 400, code: 'UNKNOWN_PIPELINE', message: 'unknown pipeline "nope"', requestId: 'req-8' }));
      }
      if (!script) return;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const f of script.frames) res.write(f);
      if (script.then === 'end') res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const events = async (name: string, timeoutMs = 2000): Promise<string[]> => {
    const out: string[] = [];
    for await (const e of new HttpRagClient({ baseUrl: `${base}/${name}`, timeoutMs }).stream({ query: 'bees' })) out.push(`${e.event}:${JSON.stringify(e.data)}`);
    return out;
  };

  it('yields the events as typed, across frames cut anywhere, skipping comments and event types it does not know, and ends at done', async () => {
    expect(await events('complete')).toEqual(['plan:{"original":"bees"}', 'token:{"text":"Bees"}', 'done:{"trace":{"totalMs":1,"spans":[]}}']);
  });

  it("throws the server's refusal before the stream, and its error event after, with code and request id", async () => {
    expect(await ragErrorOfAsync(() => events('refused'))).toMatchObject({ code: 'UNKNOWN_PIPELINE', statusCode: 400, details: { requestId: 'req-8' } });
    expect(await ragErrorOfAsync(() => events('failing'))).toMatchObject({
      code: 'UPSTREAM_ERROR',
      message: "RAG server's stream failed UPSTREAM_ERROR: the LLM fell over",
      details: { requestId: 'req-9', midStream: true },
    });
  });

  it('calls a stream cut before done unavailable, a stalled one too slow, and one that is not JSON an upstream error', async () => {
    expect(await ragErrorOfAsync(() => events('cut'))).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/ended the stream before its "done" event/) });
    expect(await ragErrorOfAsync(() => events('stalled', 300))).toMatchObject({ code: 'DEADLINE_EXCEEDED', message: expect.stringMatching(/sent no further event within 300 ms/) });
    expect(await ragErrorOfAsync(() => events('garbled'))).toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringMatching(/not JSON: <html>/) });
  });
});
