import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunContext } from '../../src/core/run-context.js';
import type { DocumentInput } from '../../src/core/types.js';
import type { QueryResponse } from '../../src/rag.js';
import { ragErrorOfAsync } from '../helpers/errors.js';
import { expectError, ingestDocs, okBody, postJson, readiness, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { startJsonServer } from '../helpers/json-server.js';
import { tinyModels } from '../helpers/tiny-models.js';

/** The model tier over HTTP: a pipeline with the cross-encoder reranker, the embedder, and /readyz's models. */

const CORPUS: DocumentInput[] = [
  { id: 'stars', title: 'Stars', text: 'Stars are giant balls of hot plasma held together by their own gravity. A star is born in a nebula.' },
  { id: 'sun', title: 'The Sun', text: 'The sun is the star at the centre of our planet system; its light and energy reach the earth.' },
  { id: 'pasta', title: 'Cooking', text: 'Pasta should be boiled in salted water for about ten minutes.' },
  { id: 'archive', title: 'Archive', text: 'The city archive keeps old documents and maps of the star observatory in climate-controlled boxes.' },
];

function modelConfig(): Record<string, unknown> {
  return {
    embeddings: { provider: 'local', modelPath: tinyModels().embedder, executionProviders: ['cuda', 'cpu'], queryPrefix: 'query: ', passagePrefix: 'passage: ' },
    rerankers: { cross: { kind: 'cross-encoder', modelPath: tinyModels().crossEncoder, maxLength: 128 } },
    pipelines: { neural: { kind: 'sequential', reranker: 'cross', retrieveK: 10, rerankK: 3 } },
  };
}

describe('a pipeline with the cross-encoder reranker', () => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture(modelConfig());
    await ingestDocs(fx.app, CORPUS);
  });
  afterAll(() => fx.close());

  it('POST /v1/query answers, and the trace has the rerank stage and its one model call, each with its time', async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'what is a star made of?', pipeline: 'neural' }));
    expect(body.pipeline).toBe('neural');
    expect(body.passages.length).toBeGreaterThan(0);
    expect(body.passages.length).toBeLessThanOrEqual(3);
    expect(body.answer.length).toBeGreaterThan(0);
    const names = body.trace.spans.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['retrieve.bm25', 'rerank.cross', 'model.cross', 'pipeline.neural']));
    const rerank = body.trace.spans.find((s) => s.name === 'rerank.cross');
    const model = body.trace.spans.filter((s) => s.name === 'model.cross');
    expect(model).toHaveLength(1);
    expect(model[0]?.attrs?.['pairs']).toBe(rerank?.attrs?.['in']);
    expect(model[0]?.ms).toBeGreaterThan(0);
    expect(model[0]?.attrs?.['onnxMs']).toBeGreaterThan(0);
    expect(model[0]?.attrs?.['onnxMs']).toBeLessThanOrEqual(model[0]?.ms ?? 0);
    expect(rerank?.ms).toBeGreaterThanOrEqual(model[0]?.ms ?? 0);
    // Passages come in the model's order.
    const scores = body.passages.map((p) => p.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('leaves the default pipeline on the lexical reranker', async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'what is a star made of?' }));
    const names = body.trace.spans.map((s) => s.name);
    expect(names).toContain('rerank.lexical');
    expect(names).not.toContain('model.cross');
  });

  it('GET /readyz lists the models with the execution provider that runs each and the fallback from cuda', async () => {
    const ready = await readiness(fx.app);
    expect(ready.ready).toBe(true);
    const byRole = new Map(ready.models.map((m) => [m.role, m]));
    expect([...byRole.keys()].sort()).toEqual(['embeddings', 'reranker.cross']);
    const emb = byRole.get('embeddings');
    expect(emb).toMatchObject({ kind: 'local', source: tinyModels().embedder, provider: 'cpu', requestedProviders: ['cuda', 'cpu'], dimensions: 32 });
    expect(emb?.fallbacks?.[0]?.provider).toBe('cuda');
    expect(emb?.fallbacks?.[0]?.reason.length).toBeGreaterThan(0);
    expect(byRole.get('reranker.cross')).toMatchObject({ kind: 'local', source: tinyModels().crossEncoder, provider: 'cpu', maxLength: 128 });
    expect(byRole.get('reranker.cross')?.fallbacks).toBeUndefined();
  });

  it('exposes the loaded embedder for dense retrieval', async () => {
    const embedder = fx.rag.embedder;
    expect(embedder?.dimensions).toBe(32);
    const [v] = (await embedder?.embedQueries(['star'], new RunContext())) ?? [];
    expect(v?.length).toBe(32);
  });
});

describe('start-up with models', () => {
  it('stops when a model folder is missing, naming the path', async () => {
    const missing = join(tinyModels().crossEncoder, '..', 'missing-reranker');
    const config = modelConfig();
    config['rerankers'] = { cross: { kind: 'cross-encoder', modelPath: missing } };
    const err = await ragErrorOfAsync(() => startHttpFixture(config));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain(missing);
  });

  it('stops when the configuration demands cuda only', async () => {
    const err = await ragErrorOfAsync(() => startHttpFixture({ embeddings: { provider: 'local', modelPath: tinyModels().embedder, executionProviders: ['cuda'] } }));
    expect(err.message).toMatch(/no configured execution provider could run it \(cuda: /);
  });

  it('keeps the retrieval order (degraded) when an HTTP reranker goes down after the start, and 503 with fallback none', async () => {
    const server = await startJsonServer((req) => {
      const { texts } = req.body as { texts: string[] };
      return { body: texts.map((_t, index) => ({ index, score: index })) };
    });
    const fx = await startHttpFixture({
      // The same question is asked twice: a cached answer would hide the reranker's absence.
      cache: { enabled: false },
      rerankers: { tei: { kind: 'http', url: server.url, maxRetries: 0 }, strict: { kind: 'http', url: server.url, maxRetries: 0, fallback: 'none' } },
      pipelines: { remote: { kind: 'sequential', reranker: 'tei' }, strict: { kind: 'sequential', reranker: 'strict' } },
    });
    try {
      await ingestDocs(fx.app, CORPUS);
      expect(okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'star', pipeline: 'remote' })).degraded).toBeUndefined();
      await server.close();
      const degraded = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'star', pipeline: 'remote' }));
      expect(degraded.degraded).toMatchObject({ stage: 'rerank', reason: 'tei unavailable', fallback: 'retrieval order' });
      expect(degraded.degraded?.message).toContain(`rerank server at ${server.url}/rerank is unreachable`);
      const body = expectError(await postJson(fx.app, '/v1/query', { query: 'star', pipeline: 'strict' }), 503, 'UNAVAILABLE');
      expect(body.message).toContain(`rerank server at ${server.url}/rerank is unreachable`);
    } finally {
      await fx.close();
    }
  });
});
