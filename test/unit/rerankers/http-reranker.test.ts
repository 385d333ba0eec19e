import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import type { ScoredChunk } from '../../../src/core/types.js';
import { HttpReranker, type HttpRerankerOptions } from '../../../src/rerankers/http-reranker.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';
import { downUrl, startJsonServer, type JsonReply, type JsonServer, type RecordedRequest } from '../../helpers/json-server.js';

/** TEI's and Cohere/Jina's rerank APIs against a real HTTP server on 127.0.0.1. */

/** A fake model: the score is the number of query words in the text. */
const fakeScore = (query: string, text: string): number => query.split(' ').filter((w) => text.split(/\s+/).includes(w)).length;

function fakeRerank(req: RecordedRequest): JsonReply {
  if (req.path === '/rerank') {
    const { query, texts } = req.body as { query: string; texts: string[] };
    // TEI answers best first.
    return { body: texts.map((t, index) => ({ index, score: fakeScore(query, t) })).sort((a, b) => b.score - a.score) };
  }
  if (req.path === '/v1/rerank') {
    const { query, documents, top_n } = req.body as { query: string; documents: string[]; top_n: number };
    const results = documents.map((t, index) => ({ index, relevance_score: fakeScore(query, t) })).sort((a, b) => b.relevance_score - a.relevance_score);
    return { body: { id: 'x', results: results.slice(0, top_n) } };
  }
  return { status: 404, body: { error: `no route ${req.path}` } };
}

let server: JsonServer;
let reply: (req: RecordedRequest) => JsonReply = fakeRerank;
beforeAll(async () => {
  server = await startJsonServer((req) => reply(req));
});
afterAll(() => server.close());
afterEach(() => {
  reply = fakeRerank;
  server.requests.length = 0;
});

const options = (over: Partial<HttpRerankerOptions> = {}): HttpRerankerOptions => ({
  url: server.url,
  api: 'tei',
  timeoutMs: 2000,
  concurrency: 2,
  batchSize: 32,
  // No retries unless a test asks: a failure is seen at once.
  maxRetries: 0,
  retryBaseMs: 10,
  retryMaxMs: 1000,
  ...over,
});

async function loaded(over: Partial<HttpRerankerOptions> = {}): Promise<HttpReranker> {
  const r = new HttpReranker('remote', options(over));
  await r.load();
  server.requests.length = 0;
  return r;
}

const chunk = (id: string, text: string, title?: string): ScoredChunk => ({ id, docId: id, text, score: 0, source: 'bm25', ...(title ? { title } : {}) });
const CHUNKS = [chunk('a', 'pasta water'), chunk('b', 'hot star plasma'), chunk('c', 'a star'), chunk('d', 'city maps'), chunk('e', 'hot plasma star core', 'Stars')];
const QUERY = 'hot star plasma core';

describe.each(['tei', 'cohere'] as const)('HttpReranker (api %s)', (api) => {
  it('orders the chunks by the server’s scores and keeps k', async () => {
    const r = await loaded({ api });
    const ranked = await r.rerank(QUERY, CHUNKS, { k: 3 }, new RunContext());
    expect(ranked.map((c) => [c.id, c.score])).toEqual([
      ['e', 4],
      ['b', 3],
      ['c', 1],
    ]);
    for (const c of ranked) expect(c.source).toBe('remote');
  });

  it('sends the request shape of its API, with the title above the text and the model and key', async () => {
    const r = await loaded({ api, model: 'bge-reranker', apiKey: 'k' });
    await r.rerank(QUERY, CHUNKS.slice(3), { k: 2 }, new RunContext());
    const [req] = server.requests;
    expect(req?.headers['authorization']).toBe('Bearer k');
    if (api === 'tei') {
      expect(req?.path).toBe('/rerank');
      expect(req?.body).toEqual({ query: QUERY, texts: ['city maps', 'Stars\nhot plasma star core'], truncate: true, model: 'bge-reranker' });
    } else {
      expect(req?.path).toBe('/v1/rerank');
      expect(req?.body).toEqual({ query: QUERY, documents: ['city maps', 'Stars\nhot plasma star core'], top_n: 2, model: 'bge-reranker' });
    }
    expect(r.status()).toMatchObject({ role: 'reranker.remote', kind: 'http', source: `${server.url}${api === 'tei' ? '/rerank' : '/v1/rerank'}`, model: 'bge-reranker' });
  });

  it('splits the candidates into batches of batchSize, one model span each, and merges them', async () => {
    const r = await loaded({ api, batchSize: 2 });
    const ctx = new RunContext();
    const ranked = await r.rerank(QUERY, CHUNKS, { k: 5 }, ctx);
    expect(server.requests).toHaveLength(3);
    expect(ctx.trace.spans.filter((s) => s.name === 'model.remote').map((s) => s.attrs?.['pairs'])).toEqual(expect.arrayContaining([2, 2, 1]));
    expect(ranked.map((c) => c.id).slice(0, 3)).toEqual(['e', 'b', 'c']);
  });

  it('fails the start with CONFIG naming the URL when the server is down, and answers 503 when it goes down later', async () => {
    const url = await downUrl();
    const err = await ragErrorOfAsync(() => new HttpReranker('remote', options({ api, url })).load());
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain(`reranker.remote: the rerank server is not usable: rerank server at ${url}`);

    const other = await startJsonServer(fakeRerank);
    const r = new HttpReranker('remote', options({ api, url: other.url }));
    await r.load();
    await other.close();
    const down = await ragErrorOfAsync(() => r.rerank(QUERY, CHUNKS, { k: 3 }, new RunContext()));
    expect(down.code).toBe('UNAVAILABLE');
    expect(down.statusCode).toBe(503);
    expect(down.message).toContain('is unreachable');
  });

  it('rejects an answer that leaves passages unscored or has bad indices', async () => {
    const r = await loaded({ api });
    reply = () => ({ body: api === 'tei' ? [{ index: 0, score: 1 }] : { results: [{ index: 0, relevance_score: 1 }] } });
    expect((await ragErrorOfAsync(() => r.rerank(QUERY, CHUNKS, { k: 3 }, new RunContext()))).message).toContain('4 of 5 passages got no score');
    reply = () => ({ body: api === 'tei' ? [{ index: 9, score: 1 }] : { results: [{ index: 9, relevance_score: 1 }] } });
    expect((await ragErrorOfAsync(() => r.rerank(QUERY, CHUNKS, { k: 3 }, new RunContext()))).message).toContain('index 9');
  });
});

describe('HttpReranker retries', () => {
  it('retries a 5xx after its Retry-After and answers; a 401 at request time is 502 UPSTREAM_ERROR, not retried', async () => {
    const r = await loaded({ maxRetries: 2, retryBaseMs: 5, retryMaxMs: 2000 });
    let calls = 0;
    reply = (req) => (++calls === 1 ? { status: 503, body: { error: 'loading' }, headers: { 'retry-after': '0.05' } } : fakeRerank(req));
    const ranked = await r.rerank(QUERY, CHUNKS, { k: 3 }, new RunContext());
    expect(ranked).toHaveLength(3);
    expect(server.requests).toHaveLength(2);
    server.requests.length = 0;
    reply = () => ({ status: 401, body: { error: 'invalid token' } });
    const err = await ragErrorOfAsync(() => r.rerank(QUERY, CHUNKS, { k: 3 }, new RunContext()));
    expect(err.code).toBe('UPSTREAM_ERROR');
    expect(err.statusCode).toBe(502);
    expect(server.requests).toHaveLength(1);
  });
});

describe('HttpReranker configuration mismatches', () => {
  it('stops the start when the API does not match the server (a 404 from the other route)', async () => {
    reply = (req) => (req.path === '/rerank' ? { status: 404, body: { error: 'not found' } } : fakeRerank(req));
    const err = await ragErrorOfAsync(() => new HttpReranker('remote', options({ api: 'tei' })).load());
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('answered HTTP 404');
  });
});
