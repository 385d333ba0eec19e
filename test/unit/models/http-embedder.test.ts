import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import { HttpEmbedder, type HttpEmbedderOptions } from '../../../src/models/http-embedder.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';
import { downUrl, startJsonServer, type JsonReply, type JsonServer, type RecordedRequest } from '../../helpers/json-server.js';

/** The OpenAI-style embeddings client against a real HTTP server on 127.0.0.1. */

/** A fake model: [length, vowels, 1] per text, answered in reverse order (the index field says which is which). */
const fakeVector = (t: string): number[] => [t.length, (t.match(/[aeiou]/g) ?? []).length, 1];
function openAiEmbeddings(req: RecordedRequest): JsonReply {
  const { input } = req.body as { input: string[] };
  const data = input.map((t, index) => ({ object: 'embedding', index, embedding: fakeVector(t) })).reverse();
  return { body: { object: 'list', data, model: 'fake' } };
}

let server: JsonServer;
let reply: (req: RecordedRequest) => JsonReply = openAiEmbeddings;
beforeAll(async () => {
  server = await startJsonServer((req) => reply(req));
});
afterAll(() => server.close());
afterEach(() => {
  reply = openAiEmbeddings;
  server.requests.length = 0;
});

const options = (over: Partial<HttpEmbedderOptions> = {}): HttpEmbedderOptions => ({
  url: `${server.url}/v1`,
  timeoutMs: 2000,
  concurrency: 2,
  batchSize: 2,
  queryPrefix: '',
  passagePrefix: '',
  normalize: false,
  // No retries unless a test asks: a failure is seen at once.
  maxRetries: 0,
  retryBaseMs: 10,
  retryMaxMs: 1000,
  ...over,
});

async function loaded(over: Partial<HttpEmbedderOptions> = {}): Promise<HttpEmbedder> {
  const e = new HttpEmbedder(options(over));
  await e.load();
  server.requests.length = 0;
  return e;
}

describe('HttpEmbedder', () => {
  it('POSTs {model, input, encoding_format} to {url}/embeddings with the key, and orders vectors by index', async () => {
    const e = await loaded({ model: 'bge-small', apiKey: 'secret', batchSize: 8 });
    const vectors = await e.embedPassages(['sun', 'galaxy', 'x'], new RunContext());
    expect(vectors.map((v) => Array.from(v))).toEqual([fakeVector('sun'), fakeVector('galaxy'), fakeVector('x')]);
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/v1/embeddings');
    expect(req?.headers['authorization']).toBe('Bearer secret');
    expect(req?.body).toEqual({ input: ['sun', 'galaxy', 'x'], encoding_format: 'float', model: 'bge-small' });
  });

  it('learns the dimensions at load and reports the endpoint', async () => {
    const e = await loaded({ model: 'bge-small' });
    expect(e.dimensions).toBe(3);
    expect(e.status()).toMatchObject({ role: 'embeddings', kind: 'http', source: `${server.url}/v1/embeddings`, model: 'bge-small', dimensions: 3 });
  });

  it('sends batches of batchSize, in order, and records one model span per request', async () => {
    const e = await loaded({ batchSize: 2, concurrency: 3 });
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
    const ctx = new RunContext();
    const vectors = await e.embedPassages(texts, ctx);
    expect(vectors.map((v) => v[0])).toEqual([1, 2, 3, 4, 5]);
    expect(server.requests.map((r) => (r.body as { input: string[] }).input).sort()).toEqual([['a', 'bb'], ['ccc', 'dddd'], ['eeeee']]);
    expect(ctx.trace.spans.filter((s) => s.name === 'model.embeddings')).toHaveLength(3);
    expect(ctx.trace.spans.find((s) => s.name === 'embed.http')?.attrs).toEqual({ texts: 5, kind: 'passage' });
  });

  it('adds the query or passage prefix', async () => {
    const e = await loaded({ queryPrefix: 'query: ', passagePrefix: 'passage: ' });
    await e.embedQueries(['q'], new RunContext());
    await e.embedPassages(['p'], new RunContext());
    expect(server.requests.map((r) => (r.body as { input: string[] }).input)).toEqual([['query: q'], ['passage: p']]);
  });

  it('L2-normalises when configured', async () => {
    const e = await loaded({ normalize: true });
    const [v] = await e.embedPassages(['galaxy'], new RunContext());
    expect(Math.hypot(...(v ?? []))).toBeCloseTo(1, 6);
  });

  it('fails the start with CONFIG naming the URL when the server is down', async () => {
    const url = await downUrl();
    const err = await ragErrorOfAsync(() => new HttpEmbedder(options({ url: `${url}/v1` })).load());
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain(`${url}/v1/embeddings is unreachable`);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('answers 503 UNAVAILABLE when the server goes down after the start', async () => {
    const other = await startJsonServer(openAiEmbeddings);
    const e = new HttpEmbedder(options({ url: other.url }));
    await e.load();
    await other.close();
    const err = await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.statusCode).toBe(503);
    expect(err.message).toContain(`embeddings server at ${other.url}/embeddings is unreachable`);
  });

  it('maps a 5xx or 429 answer to 503, and a rejected request (4xx) to 502 as the LLM’s is', async () => {
    const e = await loaded();
    reply = () => ({ status: 500, body: { error: 'CUDA out of memory' } });
    const down = await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()));
    expect(down.statusCode).toBe(503);
    expect(down.message).toContain('answered HTTP 500');
    expect(down.message).toContain('CUDA out of memory');
    reply = () => ({ status: 429, body: { error: 'slow down' } });
    expect((await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()))).statusCode).toBe(503);
    reply = () => ({ status: 401, body: { error: 'invalid api key' } });
    const rejected = await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()));
    expect(rejected.code).toBe('UPSTREAM_ERROR');
    expect(rejected.statusCode).toBe(502);
    expect(rejected.message).toContain('answered HTTP 401');
  });

  it('retries a 5xx or 429 after its Retry-After, recording each wait in the trace', async () => {
    const e = await loaded({ maxRetries: 2, retryBaseMs: 10, retryMaxMs: 2000 });
    let calls = 0;
    reply = (req) => (++calls <= 2 ? { status: calls === 1 ? 503 : 429, body: { error: 'busy' }, headers: { 'retry-after': '0.05' } } : openAiEmbeddings(req));
    const ctx = new RunContext();
    const [v] = await e.embedQueries(['star'], ctx);
    expect(Array.from(v ?? [])).toEqual(fakeVector('star'));
    expect(server.requests).toHaveLength(3);
    const waits = ctx.trace.toJSON().spans.filter((sp) => sp.name === 'model.retry');
    expect(waits.map((w) => w.attrs?.['status'])).toEqual([503, 429]);
    expect(waits.every((w) => (w.attrs?.['waitMs'] as number) >= 50)).toBe(true);
  });

  it('gives up after maxRetries, saying how many attempts it made; a 4xx is never retried', async () => {
    const e = await loaded({ maxRetries: 2, retryBaseMs: 5, retryMaxMs: 100 });
    reply = () => ({ status: 502, body: { error: 'bad gateway' } });
    const err = await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()));
    expect(err.statusCode).toBe(503);
    expect(err.message).toContain('(gave up after 3 attempts)');
    expect(server.requests).toHaveLength(3);
    server.requests.length = 0;
    reply = () => ({ status: 400, body: { error: 'no such model' } });
    expect((await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()))).statusCode).toBe(502);
    expect(server.requests).toHaveLength(1);
  });

  it('does not wait for a Retry-After beyond retryMaxMs or the request’s deadline', async () => {
    const e = await loaded({ maxRetries: 3, retryBaseMs: 5, retryMaxMs: 1000 });
    reply = () => ({ status: 429, body: { error: 'quota' }, headers: { 'retry-after': '60' } });
    const far = await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()));
    expect(far.statusCode).toBe(503);
    expect(far.message).toContain('more than embeddings.retryMaxMs');
    expect(server.requests).toHaveLength(1);
    reply = () => ({ status: 503, body: { error: 'busy' }, headers: { 'retry-after': '0.8' } });
    const late = await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext({ timeoutMs: 300 })));
    expect(late.statusCode).toBe(503);
    expect(late.message).toContain("would pass the request's deadline");
  });

  it('never repeats its API key in an error, even when the server echoes it', async () => {
    const e = await loaded({ apiKey: 'sk-very-secret-key-123' });
    reply = (req) => ({ status: 401, body: { error: { message: `Incorrect API key provided: ${String(req.headers['authorization'])}` } } });
    const err = await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()));
    expect(err.message).toContain('answered HTTP 401');
    expect(err.message).not.toContain('sk-very-secret-key-123');
    reply = (req) => ({ body: `<html>denied for ${String(req.headers['authorization'])}</html>` });
    expect((await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()))).message).not.toContain('sk-very-secret-key-123');
  });

  it('times out after timeoutMs with 503', async () => {
    const e = await loaded({ timeoutMs: 100 });
    reply = (req) => ({ ...openAiEmbeddings(req), delayMs: 1000 });
    const err = await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()));
    expect(err.statusCode).toBe(503);
    expect(err.message).toContain('did not answer within 100 ms');
  });

  it('stops when the request’s deadline passes, as a deadline error', async () => {
    const e = await loaded({ timeoutMs: 5000 });
    reply = (req) => ({ ...openAiEmbeddings(req), delayMs: 1000 });
    const err = await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext({ timeoutMs: 100 })));
    expect(err.code).toBe('DEADLINE_EXCEEDED');
  });

  it('rejects answers it cannot use: missing data, a wrong count, a changed dimension', async () => {
    const e = await loaded();
    reply = () => ({ body: { nope: [] } });
    expect((await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()))).message).toContain('no "data" list');
    reply = () => ({ body: { data: [] } });
    expect((await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()))).message).toContain('0 embeddings for 1 texts');
    reply = () => ({ body: { data: [{ index: 0, embedding: [1, 2] }] } });
    expect((await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()))).message).toContain('2 dimensions');
    reply = () => ({ body: '{"data":[{"index":0,"embedding":[1e400,1,2]}]}' });
    const infinite = await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()));
    expect(infinite.statusCode).toBe(503);
    expect(infinite.message).toContain('item 0 has a value that is not a finite number');
    reply = () => ({ body: { data: [{ index: 0, embedding: [0, 0, 0] }] } });
    const zero = await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()));
    expect(zero.statusCode).toBe(503);
    expect(zero.message).toContain('item 0 is a zero vector');
    reply = () => ({ body: 'not json' });
    expect((await ragErrorOfAsync(() => e.embedQueries(['q'], new RunContext()))).message).toContain('not JSON');
  });
});
