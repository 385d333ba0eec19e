import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResponse } from '../../src/rag.js';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { OpenAiTestServer, type ScriptedToken } from '../helpers/openai-test-server.js';
import { tinyModels } from '../helpers/tiny-models.js';

const DOCS = [
  { id: 'sun', title: 'The Sun', text: 'The Sun is a star made mostly of hydrogen and helium. Its core fuses hydrogen into helium.' },
  { id: 'moon', title: 'The Moon', text: 'The Moon is a rocky body that orbits the Earth every 27 days.' },
  { id: 'mars', title: 'Mars', text: 'Mars is a cold desert planet with a thin atmosphere of carbon dioxide.' },
];

const tok = (token: string, p: number): ScriptedToken => ({
  token,
  logprob: Math.log(p),
  top: [
    { token, logprob: Math.log(p) },
    { token: `${token}~`, logprob: Math.log(1 - p) },
  ],
});

describe('one pipeline with every model: hybrid retrieval, cross-encoder reranking, LLM generation', () => {
  let llm: OpenAiTestServer;
  let fx: HttpFixture;

  beforeAll(async () => {
    llm = await OpenAiTestServer.start({ reply: () => ({ tokens: [tok('Hydrogen and helium', 0.8), tok(' [1].', 0.9)] }) });
    fx = await startHttpFixture({
      cache: { enabled: false },
      embeddings: { provider: 'local', modelPath: tinyModels().embedder },
      rerankers: { cross: { kind: 'cross-encoder', modelPath: tinyModels().crossEncoder, maxLength: 128 } },
      llm: { baseUrl: llm.baseUrl, model: 'test-model', topLogprobs: 2, maxRetries: 0 },
      pipelines: { full: { kind: 'sequential', retriever: 'hybrid', reranker: 'cross', generator: 'llm', retrieveK: 10, rerankK: 3 } },
    });
    await fx.rag.ingest(DOCS);
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
  });

  it('answers with citations and an entropy from log-probabilities, each model stage timed in the trace', async () => {
    const res = await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: 'what is the sun made of?', pipeline: 'full' } });
    expect(res.statusCode).toBe(200);
    const body = res.json<QueryResponse>();
    expect(body.answer).toContain('Hydrogen and helium');
    expect(body.citations.length).toBeGreaterThan(0);
    // Entropy of the two answer tokens' top-2 distributions, by hand: mean of H(0.8, 0.2) and H(0.9, 0.1).
    const H = (p: number): number => -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
    expect(body.entropy).toBeCloseTo((H(0.8) + H(0.9)) / 2, 6);
    const spans = new Map(body.trace.spans.map((s) => [s.name, s]));
    for (const stage of ['retrieve.hybrid', 'retrieve.bm25', 'retrieve.dense', 'rerank.cross', 'model.cross', 'generate.llm', 'pipeline.full']) {
      expect(spans.get(stage)?.ms, stage).toBeGreaterThanOrEqual(0);
    }
    expect([...spans.keys()].some((n) => n.startsWith('embed.'))).toBe(true);
  });
});
