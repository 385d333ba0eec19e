import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunContext } from '../../src/core/run-context.js';
import type { QueryResponse } from '../../src/rag.js';
import { startFakeServer, type FakeResponse, type FakeServer, type RecordedRequest } from '../helpers/fake-http.js';
import { expectError, okBody, postJson, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { ragErrorOfAsync } from '../helpers/errors.js';
import { parseSse } from '../helpers/sse.js';

/**
 * OpenSearch faults the real-node test (opensearch.test.ts: node stopped -> 503 on /v1/retrieve and ingestion,
 * /readyz 503, the fallback, a cold start, recovery) does not reach, against a scripted cluster that runs
 * everywhere: the answering routes (/v1/query, its stream) while the cluster refuses connections, a cluster that
 * accepts requests and never answers (the deadline holds: 503 "timed out" or, with the fallback, an embedded
 * answer), and recovery when it answers again.
 */

const ALIAS = 'it-faults';
const INDEX = `${ALIAS}.v1`;
/** One attempt's limit (maxRetries 1 retries only on another node, and there is one): a hung search costs this. */
const OS_TIMEOUT_MS = 400;
const SLACK_MS = 400;
const DOCS = [{ id: 'quokka', text: 'Quokkas live on Rottnest Island near Perth.' }];

type Mode = 'ok' | 'hang';

/** Just enough of OpenSearch for the collection's set-up, searches, counts and health. */
function cluster(mode: () => Mode): (request: RecordedRequest) => FakeResponse | 'hang' {
  return (request) => {
    const path = request.url.split('?')[0] ?? '';
    if (mode() === 'hang') return 'hang';
    if (path.startsWith('/_index_template/')) return { status: 200, body: { acknowledged: true } };
    if (path === `/_alias/${ALIAS}`) return { status: 200, body: { [INDEX]: { aliases: { [ALIAS]: {} } } } };
    if (path === '/_cluster/health') return { status: 200, body: { cluster_name: 'scripted', status: 'green' } };
    if (path === `/${ALIAS}/_count`) return { status: 200, body: { count: 1 } };
    if (path === `/${ALIAS}/_search`) {
      const source = { id: 'quokka#0', docId: 'quokka', title: 'quokka', text: DOCS[0]!.text };
      return { status: 200, body: { took: 1, timed_out: false, hits: { hits: [{ _index: INDEX, _id: 'quokka#0', _score: 2.5, _source: source }] } } };
    }
    return { status: 404, body: { error: { type: 'scripted', reason: `no script for ${request.method} ${path}` }, status: 404 } };
  };
}

const since = (start: number): number => performance.now() - start;

describe('OpenSearch faults on the answering routes (a scripted cluster)', () => {
  let mode: Mode = 'ok';
  let os: FakeServer;
  let strict: HttpFixture;
  let lenient: HttpFixture;

  beforeAll(async () => {
    os = await startFakeServer(cluster(() => mode));
    const settings = (fallback: 'none' | 'embedded-bm25'): Record<string, unknown> => ({
      cache: { enabled: false },
      retrieval: { backend: 'opensearch' },
      opensearch: { nodes: [os.url], index: ALIAS, requestTimeoutMs: OS_TIMEOUT_MS, maxRetries: 1, fallback },
    });
    strict = await startHttpFixture(settings('none'));
    lenient = await startHttpFixture(settings('embedded-bm25'));
    // The embedded store, which the fallback searches (OpenSearch is the scripted one).
    await lenient.rag.ingestor.ingest([{ id: 'quokka', text: 'Quokkas live on Rottnest Island near Perth, said the embedded store.' }]);
  });
  afterAll(async () => {
    await strict.close();
    await lenient.close();
    await os.close();
  });

  it('answers from the cluster while it is healthy', async () => {
    mode = 'ok';
    const body = okBody<QueryResponse>(await postJson(strict.app, '/v1/query', { query: 'where do quokkas live?' }));
    expect(body.answer).toMatch(/Rottnest Island/);
    expect(body.passages[0]?.docId).toBe('quokka');
  });

  it('a cluster that accepts and never answers: 503 "timed out" within the OpenSearch timeout, on query, retrieve and readiness', async () => {
    mode = 'hang';
    for (const url of ['/v1/query', '/v1/retrieve']) {
      const started = performance.now();
      const err = expectError(await postJson(strict.app, url, { query: 'where do quokkas live?' }), 503, 'UNAVAILABLE');
      expect(since(started), url).toBeLessThan(2 * OS_TIMEOUT_MS + SLACK_MS);
      expect(err.message).toMatch(/^OpenSearch timed out \(search of it-faults\)/);
    }
    // A request deadline shorter than OpenSearch's timeout wins: 504, on time.
    const started = performance.now();
    expectError(await postJson(strict.app, '/v1/query', { query: 'where do quokkas live?', timeoutMs: 150 }), 504, 'DEADLINE_EXCEEDED');
    expect(since(started)).toBeLessThan(150 + SLACK_MS);
    // The readiness probe answers in bounded time however long the cluster hangs.
    const probed = performance.now();
    const ready = await strict.app.inject({ method: 'GET', url: '/readyz' });
    expect(since(probed)).toBeLessThan(1500 + SLACK_MS);
    expect(ready.statusCode).toBe(503);
    expect(ready.json<{ reason: string }>().reason).toMatch(/OpenSearch timed out/);
  }, 20_000);

  it('a client that goes away during a hung search: the search is cut, and the process lives on', async () => {
    mode = 'hang';
    const controller = new AbortController();
    const ctx = new RunContext({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('client disconnected')), 100);
    const err = await ragErrorOfAsync(() => strict.rag.retrieve({ query: 'where do quokkas live?', k: 5 }, ctx));
    expect(err.code).toBe('ABORTED');
    // The cut request's rejection surfaced as an uncaught exception here (the abort listener returned the
    // client's thenable): vitest reports it as an error of this file, and a server process died of it.
    await sleep(200);
  });

  it('a cluster hung from the start (the collection never set up): the request deadline still holds', async () => {
    const hung = await startFakeServer(() => 'hang');
    const fx = await startHttpFixture({ retrieval: { backend: 'opensearch' }, opensearch: { nodes: [hung.url], index: ALIAS, requestTimeoutMs: 5000 } });
    try {
      const started = performance.now();
      expectError(await postJson(fx.app, '/v1/query', { query: 'where do quokkas live?', timeoutMs: 300 }), 504, 'DEADLINE_EXCEEDED');
      expect(since(started)).toBeLessThan(300 + SLACK_MS);
    } finally {
      await fx.close();
      await hung.close();
    }
  });

  it('with the embedded fallback, a hung cluster costs one OpenSearch timeout and the answer says where it came from', async () => {
    mode = 'hang';
    const started = performance.now();
    const body = okBody<QueryResponse>(await postJson(lenient.app, '/v1/query', { query: 'where do quokkas live?' }));
    expect(since(started)).toBeLessThan(2 * OS_TIMEOUT_MS + SLACK_MS);
    expect(body.answer).toMatch(/embedded store/);
    const fallback = body.trace.spans.find((s) => s.name === 'retrieve.fallback');
    expect(fallback?.attrs).toMatchObject({ from: 'opensearch-bm25', to: 'bm25', reason: expect.stringContaining('OpenSearch timed out') });
  });

  it('a hung single node is asked once per search: a timeout is not retried on the node that timed out', async () => {
    mode = 'hang';
    const searches = (): number => os.requests.filter((r) => r.url.split('?')[0] === `/${ALIAS}/_search`).length;
    const before = searches();
    expectError(await postJson(strict.app, '/v1/retrieve', { query: 'quokkas' }), 503, 'UNAVAILABLE');
    // maxRetries is 1: the client sent the search to the same hung node again (three times 10 s by default).
    expect(searches() - before).toBe(1);
  });

  it('with the embedded fallback, a deadline shorter than the OpenSearch timeout leaves the fallback its share', async () => {
    mode = 'hang';
    // OpenSearch may take half of the 300 ms: the fallback answers in the other half (it was a 504 at 300 ms).
    const body = okBody<QueryResponse>(await postJson(lenient.app, '/v1/query', { query: 'where do quokkas live?', timeoutMs: 300 }));
    expect(body.answer).toMatch(/embedded store/);
    const fallback = body.trace.spans.find((s) => s.name === 'retrieve.fallback');
    expect(fallback?.attrs).toMatchObject({ from: 'opensearch-bm25', to: 'bm25' });
  });

  it('a fallback answer says it is degraded and is not cached: after recovery the cluster answers again', async () => {
    const cached = await startHttpFixture({
      retrieval: { backend: 'opensearch' },
      opensearch: { nodes: [os.url], index: ALIAS, requestTimeoutMs: OS_TIMEOUT_MS, fallback: 'embedded-bm25' },
    });
    try {
      await cached.rag.ingestor.ingest([{ id: 'quokka', text: 'Quokkas live on Rottnest Island near Perth, said the embedded store.' }]);
      mode = 'hang';
      const question = { query: 'where do quokkas live?' };
      const degraded = okBody<QueryResponse>(await postJson(cached.app, '/v1/query', question));
      expect(degraded.answer).toMatch(/embedded store/);
      expect(degraded.degraded).toMatchObject({ stage: 'retrieve', reason: 'opensearch-bm25 timeout', fallback: 'bm25', message: expect.stringContaining('OpenSearch timed out') });
      const retrieved = okBody<{ degraded?: { stage: string } }>(await postJson(cached.app, '/v1/retrieve', question));
      expect(retrieved.degraded).toMatchObject({ stage: 'retrieve', fallback: 'bm25' });

      mode = 'ok';
      // Cached for 300 s, the fallback's answer was served after recovery with no sign it was degraded.
      const recovered = okBody<QueryResponse>(await postJson(cached.app, '/v1/query', question));
      expect(recovered.cached).toBeUndefined();
      expect(recovered.degraded).toBeUndefined();
      expect(recovered.answer).not.toMatch(/embedded store/);
      expect(okBody<{ degraded?: unknown; cached?: boolean }>(await postJson(cached.app, '/v1/retrieve', question))).not.toHaveProperty('degraded');
    } finally {
      await cached.close();
    }
  });

  it('a stream reports the outage as an error event with the reason, after the plan', async () => {
    mode = 'hang';
    const res = await postJson(strict.app, '/v1/query', { query: 'where do quokkas live?', stream: true });
    const events = parseSse(res.body);
    expect(events.map((e) => e.event)).toEqual(['plan', 'error']);
    expect(events[1]?.data).toMatchObject({ statusCode: 503, code: 'UNAVAILABLE', message: expect.stringContaining('OpenSearch timed out') });
  });

  it('a cluster that refuses connections: 503 "unreachable" at once on the answering routes', async () => {
    await os.close();
    for (const url of ['/v1/query', '/v1/chat/completions']) {
      const payload = url === '/v1/query' ? { query: 'where do quokkas live?' } : { model: 'default', messages: [{ role: 'user', content: 'where do quokkas live?' }] };
      const started = performance.now();
      const err = expectError(await postJson(strict.app, url, payload), 503, 'UNAVAILABLE');
      expect(err.message, url).toMatch(/^OpenSearch unreachable/);
      expect(since(started)).toBeLessThan(OS_TIMEOUT_MS + SLACK_MS);
    }
  });

  it('recovers by itself once the cluster answers again on the same address', async () => {
    mode = 'ok';
    const port = Number(new URL(os.url).port);
    os = await startFakeServer(cluster(() => mode), port);
    const body = okBody<QueryResponse>(await postJson(strict.app, '/v1/query', { query: 'where do quokkas live?' }));
    expect(body.answer).toMatch(/Rottnest Island/);
    expect(okBody<{ ready: boolean }>(await strict.app.inject({ method: 'GET', url: '/readyz' })).ready).toBe(true);
    const lenientBody = okBody<QueryResponse>(await postJson(lenient.app, '/v1/query', { query: 'where do quokkas live?' }));
    expect(lenientBody.trace.spans.map((s) => s.name)).not.toContain('retrieve.fallback');
  });
});
