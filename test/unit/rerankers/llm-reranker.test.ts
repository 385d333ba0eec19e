import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunContext, type StageLogger } from '../../../src/core/run-context.js';
import type { ScoredChunk } from '../../../src/core/types.js';
import { OpenAiChatClient } from '../../../src/models/openai-chat-client.js';
import { LlmReranker, parseRanking } from '../../../src/rerankers/llm-reranker.js';
import { keptRetrievalOrder } from '../../../src/rerankers/reranker.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';
import { OpenAiTestServer } from '../../helpers/openai-test-server.js';

let server: OpenAiTestServer;

beforeAll(async () => {
  server = await OpenAiTestServer.start();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

const reranker = (window = 20, passageChars = 400): LlmReranker =>
  new LlmReranker(new OpenAiChatClient({ baseUrl: server.baseUrl, model: 'test-model', timeoutMs: 5000, maxRetries: 0, retryBaseMs: 1, retryMaxMs: 1, concurrency: 2 }), {
    window,
    passageChars,
  });

const chunk = (id: string, text: string, score: number): ScoredChunk => ({ id, docId: `doc-${id}`, title: `T${id}`, text, score, source: 'bm25' });
const CHUNKS = [
  chunk('a', 'Lyon is a city in France.', 9),
  chunk('b', 'Bread is baked in ovens.', 8),
  chunk('c', 'Paris is the capital of France.', 7),
  chunk('d', 'France borders Spain.', 6),
];

/** A logger that keeps what was warned. */
function recordingLog(): StageLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug: () => undefined, warn: (_obj: object, msg?: string) => void warnings.push(msg ?? '') };
}

describe('LlmReranker', () => {
  it('applies a valid ranking; unranked passages follow in input order; scores follow the new order', async () => {
    server.enqueue({ text: '{"ranking": [3, 1]}' });
    const ctx = new RunContext();
    const out = await reranker().rerank('capital of France', CHUNKS, { k: 10 }, ctx);
    expect(out.map((c) => c.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(out.map((c) => c.score)).toEqual([1, 0.75, 0.5, 0.25]);
    expect(out.every((c) => c.source === 'llm')).toBe(true);
    expect(out[0]).toMatchObject({ docId: 'doc-c', title: 'Tc', text: 'Paris is the capital of France.' });
    expect(ctx.trace.spans.map((s) => s.name)).toEqual(['llm.chat', 'rerank.llm.ranking', 'rerank.llm']);
    expect(ctx.trace.spans[1]?.attrs).toEqual({ fallback: false, ranked: 2, of: 4 });
    expect(ctx.trace.spans[2]?.attrs).toEqual({ in: 4, out: 4 });
  });

  it('sends the query and numbered passages, asking for JSON at temperature 0', async () => {
    server.enqueue({ text: '{"ranking": [1]}' });
    await reranker(20, 12).rerank('capital of France', CHUNKS, { k: 2 }, new RunContext());
    const sent = server.chatRequests()[0];
    expect(sent).toMatchObject({ temperature: 0, response_format: { type: 'json_object' } });
    const user = (sent?.messages as Array<{ content: string }>)[1]?.content;
    expect(user).toContain('Query: capital of France');
    // Passages cut at a word boundary within passageChars.
    expect(user).toContain('[1] Ta: Lyon is a…');
    expect(user).toContain('[3] Tc: Paris is the…');
  });

  it('ranks only the first `window` chunks; the rest keep their place after them; k cuts the list', async () => {
    server.enqueue({ text: '{"ranking": [2, 1]}' });
    const out = await reranker(2).rerank('q', CHUNKS, { k: 3 }, new RunContext());
    expect(out.map((c) => c.id)).toEqual(['b', 'a', 'c']);
    expect((server.chatRequests()[0]?.messages as Array<{ content: string }>)[1]?.content).not.toContain('[3]');
  });

  it('accepts the JSON inside a code fence', async () => {
    server.enqueue({ text: 'Here you go:\n```json\n{"ranking": [4, 3, 2, 1]}\n```' });
    const out = await reranker().rerank('q', CHUNKS, { k: 4 }, new RunContext());
    expect(out.map((c) => c.id)).toEqual(['d', 'c', 'b', 'a']);
  });

  it.each([
    ['not JSON', 'I think passage 3 is best.', /no JSON object/],
    ['broken JSON', '{"ranking": [3, 1', /no JSON object|not valid JSON/],
    ['wrong key', '{"order": [3, 1]}', /no "ranking" array/],
    ['out of range', '{"ranking": [3, 7]}', /7 is not a passage number 1..4/],
    ['not integers', '{"ranking": ["3", 1]}', /"3" is not a passage number/],
    ['duplicates', '{"ranking": [3, 3, 1]}', /passage 3 is ranked twice/],
    ['empty', '{"ranking": []}', /empty/],
  ])('malformed output (%s) keeps the input order, flagged in the trace and the log', async (_case, text, problem) => {
    server.enqueue({ text });
    const log = recordingLog();
    const ctx = new RunContext({ log });
    const out = await reranker().rerank('q', CHUNKS, { k: 3 }, ctx);
    expect(out).toEqual(CHUNKS.slice(0, 3));
    // Marked as the retrieval order kept, so an ensemble of rerankers gives it no vote.
    expect(keptRetrievalOrder(out)).toBe(true);
    const span = ctx.trace.spans.find((s) => s.name === 'rerank.llm.ranking');
    expect(span?.attrs?.['fallback']).toBe(true);
    expect(String(span?.attrs?.['warning'])).toMatch(problem);
    expect(String(span?.attrs?.['warning'])).toMatch(/kept the input order/);
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toMatch(/LLM reranker: malformed ranking/);
    // And the answer says it degraded (before, only the trace and the log did).
    expect(ctx.degradations).toEqual([{ stage: 'rerank', reason: 'llm malformed', fallback: 'retrieval order', message: expect.stringMatching(problem) }]);
  });

  it('one chunk or none: no call to the model', async () => {
    expect(await reranker().rerank('q', CHUNKS.slice(0, 1), { k: 5 }, new RunContext())).toEqual(CHUNKS.slice(0, 1));
    expect(await reranker().rerank('q', [], { k: 5 }, new RunContext())).toEqual([]);
    expect(server.chatRequests()).toHaveLength(0);
  });

  it('a server that is down is UNAVAILABLE, not a silent fallback', async () => {
    const gone = await OpenAiTestServer.start();
    const url = gone.baseUrl;
    await gone.close();
    const r = new LlmReranker(new OpenAiChatClient({ baseUrl: url, model: 'm', timeoutMs: 1000, maxRetries: 0, retryBaseMs: 1, retryMaxMs: 1, concurrency: 1 }), {
      window: 20,
      passageChars: 100,
    });
    const err = await ragErrorOfAsync(() => r.rerank('q', CHUNKS, { k: 3 }, new RunContext()));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain(url);
  });
});

describe('parseRanking', () => {
  it('returns the passage numbers in order', () => {
    expect(parseRanking('{"ranking":[2,1,3]}', 3)).toEqual({ ok: true, ranking: [2, 1, 3] });
    expect(parseRanking('{"ranking":[1.5]}', 3)).toEqual({ ok: false, problem: '1.5 is not a passage number 1..3' });
  });
});
