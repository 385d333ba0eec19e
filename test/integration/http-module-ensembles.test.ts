import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentInput } from '../../src/core/types.js';
import type { QueryResponse } from '../../src/rag.js';
import { reciprocalRankFusion } from '../../src/retrievers/fusion.js';
import { EIFFEL_CORPUS } from '../helpers/eiffel-corpus.js';
import { ragErrorOfAsync } from '../helpers/errors.js';
import { HashingEmbedder } from '../helpers/hashing-embedder.js';
import { ingestDocs, okBody, postJson, retrieveHits, startHttpFixture, type HitView, type HttpFixture } from '../helpers/http-fixture.js';
import { OpenAiTestServer, scriptedToken, type RecordedRequest, type ScriptedReply } from '../helpers/openai-test-server.js';

/**
 * Module-level ensembles configured inside pipelines, through POST /v1/query: retrievers fused per query (BM25 and
 * dense, with a feature-hashing embedder), rerankers whose rankings are aggregated (lexical and the LLM reranker of
 * the OpenAI-compatible test server), and generators whose answers are clustered (the LLM and the span reader).
 */

const CORPUS: DocumentInput[] = [
  ...EIFFEL_CORPUS,
  { id: 'statue', title: 'Statue of Liberty', text: 'The Statue of Liberty in New York was dedicated in 1886; Gustave Eiffel built its iron frame.' },
];

const QUESTION = 'When was the Eiffel Tower completed?';

const tok = scriptedToken;

/** The LLM ranks the Statue of Liberty passage first (JSON mode), and otherwise answers "March 1889", citing [1]. */
function llmReply(request: RecordedRequest): ScriptedReply {
  const messages = request.body?.messages as Array<{ content: string }>;
  const user = messages[messages.length - 1]?.content ?? '';
  const numbers = [...user.matchAll(/^\[(\d+)\]([^\n]*)/gm)].map((m) => ({ n: Number(m[1]), head: m[2] ?? '' }));
  if (request.body?.response_format !== undefined) {
    const statue = numbers.filter((x) => x.head.includes('Statue')).map((x) => x.n);
    return { text: JSON.stringify({ ranking: [...statue, ...numbers.map((x) => x.n).filter((n) => !statue.includes(n))] }) };
  }
  return { tokens: [tok('Completed in 1889 [1].', 0.9, [0.9, 0.1]), tok('\nAnswer:', 0.99), tok(' March', 0.99, [0.99, 0.01]), tok(' 1889', 0.98, [0.98, 0.02])] };
}

interface Span {
  name: string;
  attrs?: Record<string, unknown>;
}
const spansOf = (body: QueryResponse): Span[] => body.trace.spans as Span[];
const spanOf = (body: QueryResponse, name: string): Span | undefined => spansOf(body).find((s) => s.name === name);
const ids = (hits: HitView[]): Array<{ id: string }> => hits.map((h) => ({ id: h.id }));

describe('pipelines with module-level ensembles', () => {
  let llm: OpenAiTestServer;
  let fx: HttpFixture;
  const embedder = new HashingEmbedder({ dimensions: 128, name: 'test/hashing-128' });

  beforeAll(async () => {
    llm = await OpenAiTestServer.start({ reply: llmReply });
    fx = await startHttpFixture(
      {
        cache: { enabled: false },
        llm: { baseUrl: llm.baseUrl, model: 'test-model', topLogprobs: 2, maxRetries: 0 },
        pipelines: {
          default: { kind: 'sequential' },
          fused: { kind: 'sequential', retriever: ['bm25', 'dense'], reranker: 'none', contextTokens: 4000 },
          weighted: { kind: 'sequential', retrievers: { members: ['bm25', 'dense'], fusion: 'normalized', weights: { dense: 3 }, depth: 10 } },
          reranked: { kind: 'sequential', rerankers: { members: ['lexical', 'llm'], aggregation: 'borda', weights: { llm: 2 } }, contextTokens: 4000 },
          voices: { kind: 'sequential', generator: ['llm', 'extractive-spans'] },
          lexical: { kind: 'sequential', retriever: 'bm25', abstainAbove: 1 },
          semantic: { kind: 'sequential', retriever: 'dense', abstainAbove: 1 },
          perRetriever: { kind: 'branching', branchBy: 'retriever', retriever: ['bm25', 'dense'], generator: 'extractive-spans', abstainAbove: 1 },
        },
        ensembles: { mixed: { members: ['lexical', 'semantic'], abstainAbove: 1 } },
      },
      { embedder },
    );
    await ingestDocs(fx.app, CORPUS);
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
  });

  it('fuses a list of retrievers per query by RRF, each member running once with its own span', async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: QUESTION, pipeline: 'fused' }));
    expect(body.answer).toMatch(/1889/);
    const [lexical, dense] = await Promise.all([retrieveHits(fx.app, QUESTION, { k: 100 }), retrieveHits(fx.app, QUESTION, { k: 100, retriever: 'dense' })]);
    const expected = reciprocalRankFusion(
      [lexical, dense].map((hits) => ({ hits: hits.map((h) => ({ ...h, text: '' })) })),
      { limit: 50 },
    );
    // No reranker and a budget that holds every chunk: the passages are the fused ranking.
    expect(body.passages.map((p) => ({ id: p.chunkId }))).toEqual(ids(expected as HitView[]));
    const names = spansOf(body).map((s) => s.name);
    for (const name of ['retrieve.intents', 'retrieve.bm25+dense', 'retrieve.bm25', 'retrieve.dense', 'fuse.rrf']) expect(names, name).toContain(name);
    expect(names.filter((n) => n === 'retrieve.bm25')).toHaveLength(1);
    expect(spanOf(body, 'fuse.rrf')?.attrs).toMatchObject({ bm25Weight: 1, denseWeight: 1 });
    expect(spanOf(body, 'retrieve.dense')?.attrs?.['k']).toBe(100);
  });

  it('uses the fusion, weights and depth an ensemble object gives', async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: QUESTION, pipeline: 'weighted' }));
    expect(spanOf(body, 'fuse.normalized')?.attrs).toMatchObject({ bm25Weight: 1, denseWeight: 3 });
    expect(spanOf(body, 'retrieve.dense')?.attrs?.['k']).toBe(50);
    expect(spanOf(body, 'retrieve.bm25+dense')).toBeDefined();
  });

  it('aggregates the rankings of several rerankers: the weighted LLM moves its first choice to the top', async () => {
    const plain = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: QUESTION }));
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: QUESTION, pipeline: 'reranked' }));
    expect(plain.passages[0]?.docId).toBe('tower');
    expect(body.passages[0]?.docId).toBe('statue');
    expect(new Set(body.passages.map((p) => p.chunkId))).toEqual(new Set(plain.passages.map((p) => p.chunkId)));
    const names = spansOf(body).map((s) => s.name);
    for (const name of ['rerank.lexical', 'rerank.llm', 'rerank.aggregate.borda', 'rerank.lexical+llm']) expect(names, name).toContain(name);
    expect(spanOf(body, 'rerank.aggregate.borda')?.attrs).toMatchObject({ lexicalWeight: 1, llmWeight: 2 });
  });

  it('clusters the answers of several generators on the same passages, weighted by their entropy', async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: QUESTION, pipeline: 'voices' }));
    expect(body.answer).toBe('March 1889');
    expect(body.citations[0]?.docId).toBe('tower');
    const span = spanOf(body, 'generate.llm+extractive-spans');
    expect(span?.attrs).toMatchObject({ clusters: body.candidates.length });
    const [wl, ws] = [Number(span?.attrs?.['llmWeight']), Number(span?.attrs?.['extractive-spansWeight'])];
    expect(wl + ws).toBeCloseTo(1, 3);
    // The LLM is the surer (normalised top-2 entropy about 0.11 against the span reader's 0.24): it counts more.
    expect(wl).toBeGreaterThan(ws);
    const names = spansOf(body).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['generate.llm', 'read.extractive', 'llm.chat']));
    // Both generators read the same passages: the LLM's prompt holds each of the response's passages.
    const prompt = (llm.chatRequests().at(-1)?.messages as Array<{ content: string }>)[1]?.content ?? '';
    body.passages.forEach((p, i) => expect(prompt).toContain(`[${i + 1}] ${p.title ?? ''}`));
  });

  it('branches per retriever: each retrieves alone (no fusion), reads its own passages, and the branches vote', async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: QUESTION, pipeline: 'perRetriever' }));
    expect(body.answer).toMatch(/1889/);
    const names = spansOf(body).map((s) => s.name);
    expect(names.filter((n) => n === 'retrieve.bm25')).toHaveLength(1);
    expect(names.filter((n) => n === 'retrieve.dense')).toHaveLength(1);
    expect(names).not.toContain('fuse.rrf');
    expect(names.filter((n) => n === 'read.extractive')).toHaveLength(2);
    expect(spanOf(body, 'branches.combine')?.attrs).toMatchObject({ branches: 2 });
    // The answer cites passages of either branch: together they are every branch's passages, once each.
    const [lexical, dense] = await Promise.all([retrieveHits(fx.app, QUESTION, { k: 5 }), retrieveHits(fx.app, QUESTION, { k: 5, retriever: 'dense' })]);
    const chunkIds = new Set(body.passages.map((p) => p.chunkId));
    expect(chunkIds.size).toBe(body.passages.length);
    expect(chunkIds.has(lexical[0]?.id ?? '')).toBe(true);
    expect(chunkIds.has(dense[0]?.id ?? '')).toBe(true);
  });

  it('does not let ensemble members with different retrievers share retrieval', async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'iron frame of the statue', ensemble: 'mixed' }));
    const names = spansOf(body).map((s) => s.name);
    expect(names.filter((n) => n === 'retrieve.bm25')).toHaveLength(1);
    expect(names.filter((n) => n === 'retrieve.dense')).toHaveLength(1);
  });
});

describe('module ensembles whose members lack a model', () => {
  it('stop the start with a CONFIG error naming the member', async () => {
    const noEmbedder = await ragErrorOfAsync(() => startHttpFixture({ pipelines: { fused: { kind: 'sequential', retriever: ['bm25', 'dense'] } } }));
    expect(noEmbedder.code).toBe('CONFIG');
    expect(noEmbedder.message).toContain('pipelines.fused.retriever: "dense" retrieval needs an embedding model');
    const noLlm = await ragErrorOfAsync(() => startHttpFixture({ pipelines: { voices: { kind: 'sequential', generators: { members: ['extractive', 'llm'] } } } }));
    expect(noLlm.code).toBe('CONFIG');
    expect(noLlm.message).toContain('pipelines.voices.generators.members: "llm" needs an llm section');
    const noModel = await ragErrorOfAsync(() => startHttpFixture({ pipelines: { ranked: { kind: 'sequential', reranker: ['lexical', 'cross'] } } }));
    expect(noModel.message).toContain('pipelines.ranked.reranker: names "cross", which is not a reranker');
  });
});
