import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelStatus } from '../../src/models/model-status.js';
import { ProbeCache } from '../../src/models/model-probe.js';
import { Rag } from '../../src/rag.js';
import { httpTestConfig, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { startJsonServer, type JsonReply, type JsonServer, type RecordedRequest } from '../helpers/json-server.js';

/**
 * /readyz probes the HTTP model servers as it probes the LLM server: one the default pipeline cannot answer without
 * makes the server unready once it is down, another leaves it ready with the reason.
 */

type ModelView = ModelStatus & { reachable?: boolean; required?: boolean; reason?: string };
interface ReadyBody {
  ready: boolean;
  reason?: string;
  models: ModelView[];
}

const embeddings = (req: RecordedRequest): JsonReply => {
  const { input } = req.body as { input: string[] };
  return { body: { data: input.map((t, index) => ({ index, embedding: [t.length + 1, 1, 2] })) } };
};
const rerank = (req: RecordedRequest): JsonReply => {
  const { texts } = req.body as { texts: string[] };
  return { body: texts.map((_, index) => ({ index, score: index })) };
};

async function ready(fx: HttpFixture): Promise<{ status: number; body: ReadyBody }> {
  const res = await fx.app.inject({ method: 'GET', url: '/readyz' });
  return { status: res.statusCode, body: res.json<ReadyBody>() };
}

describe('/readyz and the HTTP model servers', () => {
  const servers: JsonServer[] = [];
  const fixtures: HttpFixture[] = [];
  const serve = async (handler: (req: RecordedRequest) => JsonReply): Promise<JsonServer> => {
    const s = await startJsonServer(handler);
    servers.push(s);
    return s;
  };
  const fixture = async (config: Record<string, unknown>): Promise<HttpFixture> => {
    const fx = await startHttpFixture(config);
    fixtures.push(fx);
    return fx;
  };
  afterAll(async () => {
    for (const fx of fixtures) await fx.close();
    for (const s of servers) await s.close();
  });

  let emb: JsonServer;
  let tei: JsonServer;
  let both: HttpFixture;
  beforeAll(async () => {
    emb = await serve(embeddings);
    tei = await serve(rerank);
    both = await fixture({
      embeddings: { provider: 'http', url: `${emb.url}/v1`, maxRetries: 0 },
      rerankers: { tei: { kind: 'http', url: tei.url, maxRetries: 0 } },
    });
  });

  it('reports each HTTP model server as reachable while it answers', async () => {
    const { status, body } = await ready(both);
    expect(status).toBe(200);
    expect(body.reason).toBeUndefined();
    const byRole = new Map(body.models.map((m) => [m.role, m]));
    expect(byRole.get('embeddings')).toMatchObject({ kind: 'http', reachable: true, required: false });
    expect(byRole.get('reranker.tei')).toMatchObject({ kind: 'http', reachable: true, required: false });
  });

  it('is unready when the embeddings server the default (dense) pipeline needs is down, naming it', async () => {
    const down = await serve(embeddings);
    const fx = await fixture({
      embeddings: { provider: 'http', url: `${down.url}/v1`, maxRetries: 0 },
      pipelines: { dense: { kind: 'sequential', retriever: 'dense' } },
      defaultPipeline: 'dense',
    });
    await down.close();
    const { status, body } = await ready(fx);
    expect(status).toBe(503);
    expect(body.ready).toBe(false);
    expect(body.reason).toContain(`embeddings: embeddings server at ${down.url}/v1/embeddings is unreachable`);
    expect(body.models.find((m) => m.role === 'embeddings')).toMatchObject({ reachable: false, required: true });
  });

  it('stays ready, with the reason, when a reranker with a stand-in or a model the default pipeline does not need is down', async () => {
    const downEmb = await serve(embeddings);
    const downTei = await serve(rerank);
    const fx = await fixture({
      embeddings: { provider: 'http', url: `${downEmb.url}/v1`, maxRetries: 0 },
      rerankers: { tei: { kind: 'http', url: downTei.url, maxRetries: 0 } },
      pipelines: { default: { kind: 'sequential', reranker: 'tei' } },
    });
    await downEmb.close();
    await downTei.close();
    const { status, body } = await ready(fx);
    expect(status).toBe(200);
    expect(body.ready).toBe(true);
    expect(body.reason).toMatch(/^degraded: /);
    expect(body.reason).toContain(`reranker.tei: rerank server at ${downTei.url}/rerank is unreachable`);
    expect(body.reason).toContain('its pipelines keep the retrieval order');
    expect(body.reason).toContain('embeddings: embeddings server at');
    expect(body.models.find((m) => m.role === 'reranker.tei')).toMatchObject({ reachable: false, required: false });
  });
});

describe('the models the default pipeline needs, with OpenSearch', () => {
  // The default pipeline's retriever is "bm25", which on OpenSearch runs opensearch.mode: k-NN and hybrid embed the
  // query. Before, the embeddings server was never required there, so /readyz stayed 200 while every query was 503.
  const required = (opensearch: Record<string, unknown>): string[] => {
    const rag = new Rag(
      httpTestConfig({
        retrieval: { backend: 'opensearch' },
        opensearch: { nodes: ['http://127.0.0.1:9'], index: 'it-required', ...opensearch },
        embeddings: { provider: 'http', url: 'http://127.0.0.1:9/v1', maxRetries: 0 },
      }),
    );
    try {
      return [...rag.modelsRequired()];
    } finally {
      void rag.close();
    }
  };

  it('requires the embeddings server for opensearch.mode knn and hybrid without a fallback, not otherwise', () => {
    expect(required({ mode: 'knn' })).toEqual(['embeddings']);
    expect(required({ mode: 'hybrid' })).toEqual(['embeddings']);
    expect(required({ mode: 'bm25' })).toEqual([]);
    // The embedded BM25 answers when the query cannot be embedded.
    expect(required({ mode: 'knn', fallback: 'embedded-bm25' })).toEqual([]);
  });
});

describe('ProbeCache', () => {
  it('shares a probe in flight and keeps its answer for the TTL', async () => {
    const cache = new ProbeCache(60_000);
    let runs = 0;
    const probe = async (): Promise<{ reachable: boolean }> => {
      runs++;
      return { reachable: true };
    };
    const [a, b] = await Promise.all([cache.check(probe), cache.check(probe)]);
    expect(a).toEqual({ reachable: true });
    expect(b).toEqual({ reachable: true });
    await cache.check(probe);
    expect(runs).toBe(1);
    const fresh = new ProbeCache(0);
    await fresh.check(probe);
    await fresh.check(probe);
    expect(runs).toBe(3);
  });

  it('turns a failing probe into an unreachable answer', async () => {
    const cache = new ProbeCache(0);
    expect(await cache.check(async () => Promise.reject(new Error('connect ECONNREFUSED')))).toEqual({ reachable: false, reason: 'connect ECONNREFUSED' });
  });
});
