import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentInput } from '../../src/core/types.js';
import type { QueryResponse } from '../../src/rag.js';
import { ragErrorOfAsync } from '../helpers/errors.js';
import { expectError, ingestDocs, okBody, postJson, retrieveHits, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { OpenAiTestServer, type RecordedRequest, type ScriptedReply, type ScriptedToken } from '../helpers/openai-test-server.js';

/**
 * POST /v1/query through pipelines that use an LLM, served by the OpenAI-compatible test server: the answer,
 * its citations and its entropy come from the LLM's text and log-probabilities, the trace shows the LLM's time
 * and token usage, and an LLM that goes away gives 503 for those pipelines while the rest of the server serves.
 */

const CORPUS: DocumentInput[] = [
  {
    id: 'ingestion',
    format: 'markdown',
    text: '# Ingestion\n\n## Ingesting documents\n\nTo ingest documents, POST them as a JSON batch to /v1/documents. Each document needs an id and a text.',
  },
  { id: 'cooking', text: 'Pasta should be boiled in salted water for about ten minutes; documents about cooking are elsewhere.' },
  { id: 'archive', text: 'The city archive keeps old documents and maps in climate-controlled boxes.' },
];

const tok = (token: string, p: number, top: number[] = [p]): ScriptedToken => ({
  token,
  logprob: Math.log(p),
  top: top.map((q, i) => ({ token: i === 0 ? token : `${token}~${i}`, logprob: Math.log(q) })),
});

/** The passage numbers and texts of a generator prompt ("[n] title > headings\ntext"). */
function passagesOf(request: RecordedRequest): Map<number, string> {
  const messages = request.body?.messages as Array<{ content: string }>;
  const user = messages[messages.length - 1]?.content ?? '';
  return new Map([...user.matchAll(/^\[(\d+)\][^\n]*\n(.*)$/gm)].map((m) => [Number(m[1]), m[2] ?? '']));
}

/** Plays the LLM: ranks passages for the reranker (JSON mode), answers from the ingestion passage otherwise. */
function llmReply(request: RecordedRequest): ScriptedReply {
  if (request.body?.response_format !== undefined) {
    const messages = request.body.messages as Array<{ content: string }>;
    const count = [...(messages[1]?.content ?? '').matchAll(/^\[(\d+)\]/gm)].length;
    // Reverse order: visibly the LLM's, not the retriever's.
    return { text: JSON.stringify({ ranking: Array.from({ length: count }, (_, i) => count - i) }) };
  }
  const cited = [...passagesOf(request)].find(([, text]) => text.includes('/v1/documents'))?.[0] ?? 99;
  return {
    delayMs: 60,
    tokens: [
      tok('To ingest, POST a JSON batch to /v1/documents', 0.8, [0.8, 0.2]),
      tok(` [${cited}].`, 0.9, [0.9, 0.1]),
      tok('\n', 0.99),
      tok('Answer:', 0.99),
      tok(' POST', 0.7, [0.7, 0.2, 0.1]),
      tok(' to /v1/documents', 0.9, [0.9, 0.05, 0.05]),
      tok(` [${cited}]`, 0.95),
    ],
  };
}

/** What the generator must report for that reply, computed by hand from the two answer tokens. */
const H = (ps: number[]): number => -ps.reduce((s, p) => s + p * Math.log(p), 0);
const EXPECTED_PROB = Math.sqrt(0.7 * 0.9);
const EXPECTED_ENTROPY = (H([0.7, 0.2, 0.1]) + H([0.9, 0.05, 0.05])) / 2;

interface Span {
  name: string;
  ms: number;
  attrs?: Record<string, unknown>;
}

describe('POST /v1/query with an LLM generator and reranker (OpenAI-compatible test server)', () => {
  let llm: OpenAiTestServer;
  let fx: HttpFixture;

  beforeAll(async () => {
    llm = await OpenAiTestServer.start({ reply: llmReply });
    fx = await startHttpFixture({
      // Each test scripts the LLM anew for the same question: a cached answer would hide the script.
      cache: { enabled: false },
      // No extractive stand-in: these tests are about the errors the LLM's failures become (llm-fallback.test.ts has it).
      llm: { baseUrl: llm.baseUrl, model: 'test-model', topLogprobs: 3, maxRetries: 1, retryBaseMs: 10, timeoutMs: 3000, fallback: 'none' },
      pipelines: {
        llm: { kind: 'sequential', generator: 'llm' },
        'llm-rerank': { kind: 'sequential', reranker: 'llm', generator: 'llm', rerankK: 5 },
      },
    });
    await ingestDocs(fx.app, CORPUS);
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
  });

  it('answers from the LLM with citations, a confidence and an entropy from its log-probabilities', async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'how do I ingest documents?', pipeline: 'llm' }));
    expect(body.pipeline).toBe('llm');
    expect(body.abstained).toBe(false);
    expect(body.answer).toBe('POST to /v1/documents');
    expect(body.candidates).toHaveLength(1);
    expect(body.confidence).toBeCloseTo(EXPECTED_PROB, 5);
    expect(body.entropy).toBeCloseTo(EXPECTED_ENTROPY, 5);
    expect(body.normalizedEntropy).toBeCloseTo(EXPECTED_ENTROPY / Math.log(3), 5);
    expect(body.citations).toHaveLength(1);
    const citation = body.citations[0];
    expect(citation?.docId).toBe('ingestion');
    expect(citation?.headingPath).toContain('Ingesting documents');
    expect(body.passages[(citation?.n ?? 0) - 1]?.chunkId).toBe(citation?.chunkId);

    // The LLM got the question and the same passages, numbered as the citations count them.
    const sent = llm.chatRequests().at(-1);
    expect(sent).toMatchObject({ model: 'test-model', logprobs: true, top_logprobs: 3, temperature: 0 });
    const prompt = (sent?.messages as Array<{ content: string }>)[1]?.content ?? '';
    expect(prompt).toContain('Question: how do I ingest documents?');
    body.passages.forEach((p, i) => expect(prompt).toContain(`[${i + 1}]`));

    // The trace shows the LLM stage's time and token usage.
    const spans = body.trace.spans as Span[];
    const generate = spans.find((s) => s.name === 'generate.llm');
    expect(generate?.ms).toBeGreaterThanOrEqual(50);
    expect(generate?.attrs).toMatchObject({ model: 'test-model', completionTokens: 7, candidates: 1, finalAnswer: true });
    expect(Number(generate?.attrs?.['promptTokens'])).toBeGreaterThan(10);
    expect(spans.find((s) => s.name === 'llm.chat')?.attrs).toMatchObject({ completionTokens: 7, stream: false });
    expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(['retrieve.bm25', 'rerank.lexical', 'select.budget', 'llm.chat', 'generate.llm', 'pipeline.llm']));
  });

  it('gives the whole reply beside the final answer, and chat the same text streamed or not', async () => {
    const question = 'how do I ingest documents?';
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: question, pipeline: 'llm' }));
    const cited = body.citations[0]?.n;
    expect(body.answer).toBe('POST to /v1/documents');
    expect(body.generated).toBe(`To ingest, POST a JSON batch to /v1/documents [${cited}].\nAnswer: POST to /v1/documents [${cited}]`);
    // Before, the JSON content was the final line alone while the stream showed the reasoning before it.
    const messages = [{ role: 'user', content: question }];
    const json = okBody<{ choices: Array<{ message: { content: string } }> }>(await postJson(fx.app, '/v1/chat/completions', { model: 'llm', messages }));
    const stream = await postJson(fx.app, '/v1/chat/completions', { model: 'llm', messages, stream: true });
    const streamed = stream.body
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => (JSON.parse(l.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
      .join('');
    expect(json.choices[0]?.message.content).toBe(body.generated);
    expect(streamed).toBe(json.choices[0]?.message.content);
  });

  it('reranks with the LLM: the passages come in the order the LLM gave', async () => {
    const retrieved = (await retrieveHits(fx.app, 'documents', { k: 50 })).map((h) => h.id);
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'documents', pipeline: 'llm-rerank' }));
    expect(retrieved.length).toBeGreaterThan(1);
    // The test LLM reverses what it is given, which is the retriever's order (all of it fits the window and budget).
    expect(body.passages.map((p) => p.chunkId)).toEqual([...retrieved].reverse());
    expect(body.trace.spans.map((s) => s.name)).not.toContain('rerank.lexical');
    const spans = body.trace.spans as Span[];
    expect(spans.find((s) => s.name === 'rerank.llm.ranking')?.attrs).toMatchObject({ fallback: false });
    expect(spans.filter((s) => s.name === 'llm.chat')).toHaveLength(2);
    expect(body.answer).toBe('POST to /v1/documents');
  });

  it('readiness reports the LLM server without depending on it (the default pipeline is extractive)', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/readyz' });
    const body = okBody<{ ready: boolean; llm: Record<string, unknown> }>(res);
    expect(body.ready).toBe(true);
    expect(body.llm).toEqual({ url: `${llm.baseUrl}/models`, model: 'test-model', reachable: true, modelListed: true, required: false });
  });

  it('an LLM rejecting the request gives 502 UPSTREAM_ERROR with its message', async () => {
    llm.enqueue({ status: 400, error: 'context length exceeded' });
    const err = expectError(await postJson(fx.app, '/v1/query', { query: 'how do I ingest documents?', pipeline: 'llm' }), 502, 'UPSTREAM_ERROR');
    expect(err.message).toContain('context length exceeded');
  });

  it('a request deadline shorter than the LLM takes gives 504', async () => {
    llm.enqueue({ text: 'late', delayMs: 2000 });
    expectError(await postJson(fx.app, '/v1/query', { query: 'how do I ingest documents?', pipeline: 'llm', timeoutMs: 150 }), 504, 'DEADLINE_EXCEEDED');
  });

  it('with the LLM server stopped: 503 UNAVAILABLE with a reason for LLM pipelines; everything else still serves', async () => {
    await llm.close();
    const err = expectError(await postJson(fx.app, '/v1/query', { query: 'how do I ingest documents?', pipeline: 'llm' }), 503, 'UNAVAILABLE');
    expect(err.message).toContain(`LLM server at ${llm.baseUrl}/chat/completions is unreachable`);
    expect(err.details).toMatchObject({ url: `${llm.baseUrl}/chat/completions`, attempts: 2 });
    expectError(await postJson(fx.app, '/v1/query', { query: 'documents', pipeline: 'llm-rerank' }), 503, 'UNAVAILABLE');

    expect(okBody<{ status: string }>(await fx.app.inject({ method: 'GET', url: '/healthz' })).status).toBe('ok');
    const extractive = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'how do I ingest documents?' }));
    expect(extractive.pipeline).toBe('default');
    expect(extractive.answer).toMatch(/\/v1\/documents/);
    const ready = okBody<{ ready: boolean; llm: { reachable: boolean; reason: string; required: boolean } }>(await fx.app.inject({ method: 'GET', url: '/readyz' }));
    expect(ready.ready).toBe(true);
    expect(ready.llm.reachable).toBe(false);
    expect(ready.llm.required).toBe(false);
    expect(ready.llm.reason).toMatch(/is unreachable/);
  });
});

describe('an LLM default pipeline', () => {
  it('makes readiness depend on the LLM server: 503 with the reason while it is down', async () => {
    const llm = await OpenAiTestServer.start({ reply: llmReply });
    const fx = await startHttpFixture({
      llm: { baseUrl: llm.baseUrl, model: 'test-model', maxRetries: 0 },
      defaultPipeline: 'llm',
      pipelines: { llm: { kind: 'sequential', generator: 'llm' } },
    });
    try {
      expect(okBody<{ ready: boolean }>(await fx.app.inject({ method: 'GET', url: '/readyz' })).ready).toBe(true);
      await llm.close();
      const res = await fx.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      const body = res.json<{ ready: boolean; reason: string; llm: { required: boolean } }>();
      expect(body.ready).toBe(false);
      expect(body.reason).toMatch(new RegExp(`LLM server at ${llm.baseUrl}/models is unreachable`));
      expect(body.llm.required).toBe(true);
      expect(okBody<{ status: string }>(await fx.app.inject({ method: 'GET', url: '/healthz' })).status).toBe('ok');
    } finally {
      await fx.close();
      await llm.close();
    }
  });

  it('needs an llm section: the start fails with a CONFIG error naming the pipeline', async () => {
    const err = await ragErrorOfAsync(() => startHttpFixture({ pipelines: { smart: { kind: 'sequential', generator: 'llm' } } }));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('pipelines.smart.generator');
  });
});
