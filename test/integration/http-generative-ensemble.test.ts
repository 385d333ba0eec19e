import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { vote } from '../../src/ensemble/answer-clusters.js';
import { entropyWeights } from '../../src/ensemble/entropy-weights.js';
import type { QueryResponse } from '../../src/rag.js';
import { EIFFEL_CORPUS } from '../helpers/eiffel-corpus.js';
import { ragErrorOfAsync } from '../helpers/errors.js';
import { ingestDocs, okBody, postJson, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { OpenAiTestServer, scriptedToken, type RecordedRequest, type ScriptedReply } from '../helpers/openai-test-server.js';

/**
 * POST /v1/query with a generative ensemble: extractive members answer and vote, then the LLM (the OpenAI-compatible
 * test server) reads their passages and answers and writes the answer; its uncertainty comes from its
 * log-probabilities, combined with the members' agreement. An LLM that fails or is too slow leaves the vote's
 * answer, flagged.
 */

const CORPUS = EIFFEL_CORPUS;

const QUESTION = 'When was the Eiffel Tower completed?';

const tok = scriptedToken;

/** The aggregation prompt: the user message, and the number of the passage holding `text`. */
function promptOf(request: RecordedRequest): string {
  const messages = request.body?.messages as Array<{ content: string }>;
  return messages[messages.length - 1]?.content ?? '';
}
const passageWith = (prompt: string, text: string): number =>
  Number([...prompt.matchAll(/^\[(\d+)\][^\n]*\n(.*)$/gm)].find((m) => (m[2] ?? '').includes(text))?.[1] ?? 99);

/** The LLM writes `answer` after a cited line of reasoning; the answer's tokens are 90% and 80% likely. */
const answering =
  (answer: [string, string]) =>
  (request: RecordedRequest): ScriptedReply => ({
    tokens: [
      tok('Passage', 0.9, [0.9, 0.1]),
      tok(` [${passageWith(promptOf(request), 'March 1889')}] dates the completion.`, 0.9, [0.9, 0.1]),
      tok('\n', 0.99),
      tok('Answer:', 0.99),
      tok(answer[0], 0.9, [0.9, 0.1]),
      tok(answer[1], 0.8, [0.8, 0.1, 0.1]),
    ],
  });

const H = (ps: number[]): number => -ps.reduce((s, p) => s + (p > 0 ? p * Math.log(p) : 0), 0);
/** What the generator reads off those two answer tokens (top 3 alternatives: the test server fills the third). */
const LLM_PROB = Math.sqrt(0.9 * 0.8);
const LLM_ENTROPY = (H([0.9, 0.1, 1e-9]) / Math.log(3) + H([0.8, 0.1, 0.1]) / Math.log(3)) / 2;

interface Span {
  name: string;
  ms: number;
  attrs?: Record<string, unknown>;
}
const spanOf = (body: QueryResponse, name: string): Span | undefined => (body.trace.spans as Span[]).find((s) => s.name === name);

describe('POST /v1/query with a generative ensemble', () => {
  let llm: OpenAiTestServer;
  let fx: HttpFixture;

  beforeAll(async () => {
    llm = await OpenAiTestServer.start({ reply: answering([' March', ' 1889']) });
    fx = await startHttpFixture({
      llm: { baseUrl: llm.baseUrl, model: 'test-model', topLogprobs: 3, maxRetries: 1, retryBaseMs: 10, timeoutMs: 3000 },
      pipelines: {
        default: { kind: 'sequential' },
        seq: { kind: 'sequential', generator: 'extractive-spans', abstainAbove: 1 },
        iter: { kind: 'iterative', rounds: 2, generator: 'extractive-spans', abstainAbove: 1 },
        branch: { kind: 'branching', branchBy: 'documents', generator: 'extractive-spans', abstainAbove: 1 },
      },
      ensembles: {
        written: { members: ['seq', 'iter', 'branch'], mode: 'generative', abstainAbove: 1, aggregation: { timeoutMs: 400 } },
        voted: { members: ['seq', 'iter', 'branch'], abstainAbove: 1 },
      },
    });
    await ingestDocs(fx.app, CORPUS);
  });
  beforeEach(() => {
    llm.reset();
    llm.setReply(answering([' March', ' 1889']));
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
  });

  it('answers with the LLM\'s cited answer, having shown it every member\'s passages once, answer and weight', async () => {
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: QUESTION, ensemble: 'written' }));
    expect(body.ensemble).toBe('written');
    expect(body.mode).toBe('generative');
    expect(body.answer).toBe('March 1889');
    expect(body.abstained).toBe(false);
    expect(body.citations).toHaveLength(1);
    expect(body.citations[0]?.docId).toBe('tower');
    expect(body.passages[(body.citations[0]?.n ?? 0) - 1]?.text).toContain('March 1889');

    // One LLM call: the members' passages, each chunk once, numbered as the response's passages; each member's answer.
    expect(llm.chatRequests()).toHaveLength(1);
    const prompt = promptOf(llm.requests[0] as RecordedRequest);
    const numbered = [...prompt.matchAll(/^\[(\d+)\]/gm)].map((m) => Number(m[1]));
    expect(numbered).toEqual(body.passages.map((_, i) => i + 1));
    expect(new Set(body.passages.map((p) => p.chunkId)).size).toBe(body.passages.length);
    body.passages.forEach((p) => expect(prompt).toContain(p.text.trim()));
    for (const m of body.members ?? []) expect(prompt).toContain(`- ${m.pipeline} (weight ${m.weight.toFixed(2)}, confidence ${m.confidence.toFixed(2)}): ${m.answer}`);
    expect(prompt).toContain(`Question: ${QUESTION}`);
    expect(llm.chatRequests()[0]).toMatchObject({ logprobs: true, top_logprobs: 3, temperature: 0 });

    // The LLM's own certainty, from its log-probabilities.
    const agg = body.aggregation;
    expect(agg).toMatchObject({ fallback: false, answer: 'March 1889', passages: body.passages.length });
    expect(agg?.confidence).toBeCloseTo(LLM_PROB, 5);
    expect(agg?.normalizedEntropy).toBeCloseTo(LLM_ENTROPY, 5);

    // Combined with the members: the LLM votes as one more member, weighted exp(-beta * H) with them.
    const members = body.members ?? [];
    const weights = entropyWeights([...members.map((m) => m.normalizedEntropy), LLM_ENTROPY], 2);
    expect(agg?.weight).toBeCloseTo(weights[members.length] ?? -1, 5);
    const expected = vote([
      ...members.map((m, i) => ({ name: m.pipeline, weight: weights[i] ?? 0, candidates: m.candidates, unsupported: m.unsupported })),
      { name: '@aggregator', weight: weights[members.length] ?? 0, candidates: [{ text: 'March 1889', prob: LLM_PROB, citations: [] }] },
    ]);
    expect(body.confidence).toBeCloseTo(expected.clusters[0]?.prob ?? -1, 5);
    expect(body.normalizedEntropy).toBeCloseTo(expected.normalizedEntropy, 5);
    expect(body.winner?.members).toEqual(expect.arrayContaining(['@aggregator', 'seq', 'iter', 'branch']));
    expect(agg?.memberSupport).toBeGreaterThan(0.5);

    const names = (body.trace.spans as Span[]).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['ensemble.written', 'ensemble.vote', 'ensemble.aggregate', 'aggregate.context', 'aggregate.llm', 'llm.chat']));
    expect(spanOf(body, 'ensemble.aggregate')?.attrs).toMatchObject({ mode: 'generative', fallback: false, passages: body.passages.length });
    expect(spanOf(body, 'aggregate.llm')?.attrs).toMatchObject({ model: 'test-model', finalAnswer: true, answerTokens: 2 });
  });

  it('is less sure of an answer no member gave than of one they agree with, at the same LLM certainty', async () => {
    const agreed = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: QUESTION, ensemble: 'written' }));
    llm.setReply(answering([' In', ' 1925']));
    const alone = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: `${QUESTION} `, ensemble: 'written' }));
    expect(alone.answer).toBe('In 1925');
    expect(alone.aggregation?.normalizedEntropy).toBeCloseTo(agreed.aggregation?.normalizedEntropy ?? -1, 10);
    expect(alone.aggregation?.memberSupport).toBe(0);
    expect(alone.winner?.members).toEqual(['@aggregator']);
    expect(alone.confidence).toBeLessThan((agreed.confidence ?? 0) - 0.3);
    expect(alone.normalizedEntropy).toBeGreaterThan(agreed.normalizedEntropy + 0.1);
 
    // A shorter mention of the members' answer is supported by them, as the vote counts it (before: support 0).
    llm.setReply(answering([' 18', '89']));
    const shorter = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: `${QUESTION}  `, ensemble: 'written' }));
    expect(shorter.aggregation?.answer).toBe('1889');
    expect(shorter.aggregation?.memberSupport).toBeGreaterThan(0.5);
  });

  it('falls back to the vote, flagged and not cached, when the LLM fails', async () => {
    const voted = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: QUESTION, ensemble: 'voted' }));
    llm.setReply(() => ({ status: 500, error: 'model crashed' }));
    const question = 'when was the eiffel tower completed';
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: question, ensemble: 'written' }));
    expect(body.mode).toBe('vote');
    expect(body.aggregation?.fallback).toBe(true);
    expect(body.aggregation?.note).toMatch(/^the LLM failed: .*model crashed/);
    expect(body.answer).toBe(voted.answer);
    expect(body.winner?.answer).toBe(voted.winner?.answer);
    expect(body.winner?.members).not.toContain('@aggregator');
    expect(llm.chatRequests()).toHaveLength(2);
    expect(spanOf(body, 'ensemble.aggregate')?.attrs).toMatchObject({ mode: 'vote', fallback: true });
    expect(String(spanOf(body, 'aggregate.llm')?.attrs?.['error'])).toMatch(/model crashed/);

    // The LLM is back: the same question is aggregated now (the fallback was not cached), and that answer is.
    llm.setReply(answering([' March', ' 1889']));
    const again = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: question, ensemble: 'written' }));
    expect(again).toMatchObject({ mode: 'generative', aggregation: { fallback: false } });
    expect(again.cached).toBeUndefined();
    expect(okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: question, ensemble: 'written' })).cached).toBe(true);
  });

  it('falls back to the vote when the LLM takes longer than aggregation.timeoutMs, or sends no log-probabilities', async () => {
    llm.setReply((r) => ({ ...answering([' March', ' 1889'])(r), delayMs: 3000 }));
    const started = Date.now();
    const slow = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'When was the Eiffel Tower completed ?', ensemble: 'written' }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(slow).toMatchObject({ mode: 'vote', answer: 'March 1889', aggregation: { fallback: true } });
    expect(slow.aggregation?.note).toMatch(/^the LLM timed out/);

    llm.setReply((r) => ({ ...answering([' March', ' 1889'])(r), omitLogprobs: true }));
    const bare = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'When was the Eiffel Tower completed ??', ensemble: 'written' }));
    expect(bare).toMatchObject({ mode: 'vote', aggregation: { fallback: true } });
    expect(bare.aggregation?.note).toMatch(/no log-probabilities/);
  });

  it('falls back to the vote when the LLM is cut off at maxTokens, or finds no answer in the passages', async () => {
    // Before, the cut-off text won the vote at a low confidence over the members' answer.
    llm.setReply((r) => ({ ...answering([' March', ' 1889'])(r), finishReason: 'length' }));
    const cut = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'When was the Eiffel Tower completed, cut?', ensemble: 'written' }));
    expect(cut).toMatchObject({ mode: 'vote', answer: 'March 1889', aggregation: { fallback: true } });
    expect(cut.aggregation?.note).toMatch(/cut off at maxTokens/);
    llm.setReply(() => ({ tokens: [tok('The passages do not say.', 0.9), tok('\nAnswer: unknown', 0.95)] }));
    const unknown = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'When was the Eiffel Tower completed, unknown?', ensemble: 'written' }));
    expect(unknown).toMatchObject({ mode: 'vote', answer: 'March 1889', aggregation: { fallback: true } });
    expect(unknown.aggregation?.note).toMatch(/no answer in the passages/);
  });

  it('streams the LLM\'s answer, then each member\'s candidate', async () => {
    const res = await postJson(fx.app, '/v1/query', { query: QUESTION, ensemble: 'written', stream: true });
    expect(res.statusCode).toBe(200);
    const events = [...res.body.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({ event: m[1], data: JSON.parse(m[2] ?? 'null') as Record<string, unknown> }));
    expect(events.filter((e) => e.event === 'candidate')).toHaveLength(3);
    expect(events.find((e) => e.event === 'token')?.data).toEqual({ text: 'March 1889' });
    expect(events.find((e) => e.event === 'answer')?.data).toMatchObject({ mode: 'generative', answer: 'March 1889' });
  });
});

describe('a generative ensemble without an LLM', () => {
  it('is a CONFIG error at start, naming the ensemble', async () => {
    const err = await ragErrorOfAsync(() => startHttpFixture({ ensembles: { written: { members: ['default'], mode: 'generative' } } }));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('ensembles.written.mode: "generative" needs an llm section');
  });
});
