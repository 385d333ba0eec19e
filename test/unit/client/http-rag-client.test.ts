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
