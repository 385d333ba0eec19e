import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import type { Passage } from '../../../src/core/types.js';
import { LlmGenerator } from '../../../src/models/llm-generator.js';
import { OpenAiChatClient } from '../../../src/models/openai-chat-client.js';
import type { ReaderEvent } from '../../../src/models/reader.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';
import { OpenAiTestServer, type ScriptedToken } from '../../helpers/openai-test-server.js';

let server: OpenAiTestServer;
let generator: LlmGenerator;

beforeAll(async () => {
  server = await OpenAiTestServer.start();
  const chat = new OpenAiChatClient({ baseUrl: server.baseUrl, model: 'test-model', timeoutMs: 5000, maxRetries: 0, retryBaseMs: 10, retryMaxMs: 100, concurrency: 2 });
  generator = new LlmGenerator(chat, { topLogprobs: 3, temperature: 0, maxTokens: 256 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

const passage = (n: number, text: string, extra: Partial<Passage> = {}): Passage => ({ chunkId: `c${n}`, docId: `d${n}`, text, score: 1 / n, tokens: 10, ...extra });
const PASSAGES = [
  passage(1, 'Lyon is a city in France.', { title: 'Lyon' }),
  passage(2, 'Paris is the capital of France.', { title: 'France', headingPath: ['Geography', 'Cities'] }),
  passage(3, 'New York is the largest city of the United States.'),
];

/** A token whose alternatives are given as probabilities (the log is taken here). */
const tok = (token: string, p: number, top: number[] = [p]): ScriptedToken => ({
  token,
  logprob: Math.log(p),
  top: top.map((q, i) => ({ token: i === 0 ? token : `${token}~${i}`, logprob: Math.log(q) })),
});

describe('LlmGenerator.answer', () => {
  it('asks for cited answers from numbered passages, with logprobs', async () => {
    server.enqueue({ tokens: [tok('Paris', 0.9, [0.9, 0.1])] });
    await generator.answer('What is the capital of France?', PASSAGES, new RunContext());
    const sent = server.chatRequests()[0];
    expect(sent).toMatchObject({ model: 'test-model', logprobs: true, top_logprobs: 3, temperature: 0, max_tokens: 256 });
    const [system, user] = sent?.messages as Array<{ role: string; content: string }>;
    expect(system?.role).toBe('system');
    expect(system?.content).toMatch(/\[1\]/);
    expect(system?.content).toMatch(/Answer: <the short answer>/);
    expect(user?.content).toBe(
      'Passages:\n\n[1] Lyon\nLyon is a city in France.\n\n[2] France > Geography > Cities\nParis is the capital of France.\n\n[3]\nNew York is the largest city of the United States.\n\nQuestion: What is the capital of France?',
    );
  });

  it('a marked final answer: the answer is its text; prob and entropy come from its own tokens, computed by hand', async () => {
    // Reasoning tokens are confident or not; only " Paris" after "Answer:" counts for the answer.
    server.enqueue({
      tokens: [
        tok('Passage', 0.5, [0.5, 0.5]),
        tok(' [2]', 0.99),
        tok(' says', 0.3, [0.3, 0.3, 0.3]),
        tok(' so.', 0.9),
        tok('\n', 0.99),
        tok('Answer', 0.99),
        tok(':', 0.99),
        // Alternatives 0.6, 0.2, 0.1, renormalised over 0.9: 2/3, 2/9, 1/9.
        tok(' Paris', 0.6, [0.6, 0.2, 0.1]),
        tok(' [2]', 0.95),
      ],
      usage: { promptTokens: 80, completionTokens: 9 },
    });
    const ctx = new RunContext();
    const r = await generator.answer('What is the capital of France?', PASSAGES, ctx);
    expect(r.candidates).toHaveLength(1);
    expect(r.candidates[0]?.text).toBe('Paris');
    expect(r.candidates[0]?.citations).toEqual([2]);
    // exp(mean logprob) over the one answer token = 0.6.
    expect(r.candidates[0]?.prob).toBeCloseTo(0.6, 6);
    // H = 2/3 ln(3/2) + 2/9 ln(9/2) + 1/9 ln 9 = 0.270310 + 0.334239 + 0.244136 = 0.848686 nats; / ln 3 = 0.772507.
    expect(r.entropy).toBeCloseTo(0.848686, 5);
    expect(r.normalizedEntropy).toBeCloseTo(0.772507, 5);

    const span = ctx.trace.spans.find((s) => s.name === 'generate.llm');
    expect(span?.attrs).toMatchObject({ model: 'test-model', promptTokens: 80, completionTokens: 9, candidates: 1, finalAnswer: true, answerTokens: 1 });
    // The whole output's sequence log-probability: the sum of all nine chosen tokens' logprobs.
    const sum = [0.5, 0.99, 0.3, 0.9, 0.99, 0.99, 0.99, 0.6, 0.95].reduce((s, p) => s + Math.log(p), 0);
    expect(span?.attrs?.['sequenceLogprob']).toBeCloseTo(sum, 3);
    expect(ctx.trace.spans.map((s) => s.name)).toEqual(['llm.chat', 'generate.llm']);
  });

  it('an answer of several tokens: prob is the geometric mean, entropy the mean over tokens', async () => {
    server.enqueue({ tokens: [tok('Answer', 0.99), tok(':', 0.99), tok(' New', 0.5, [0.5, 0.25, 0.25]), tok(' York', 0.9, [0.9, 0.05, 0.05]), tok(' [3]', 0.9)] });
    const r = await generator.answer('Largest US city?', PASSAGES, new RunContext());
    expect(r.candidates[0]?.text).toBe('New York');
    expect(r.candidates[0]?.citations).toEqual([3]);
    // sqrt(0.5 * 0.9) = 0.670820.
    expect(r.candidates[0]?.prob).toBeCloseTo(0.67082, 5);
    // 0.5 ln 2 + 2 * 0.25 ln 4 = 1.039721 and 0.9 ln(1/0.9) + 2 * 0.05 ln 20 = 0.394398: mean 0.717060;
    // both tokens have k = 3 alternatives, so normalised 0.717060 / ln 3 = 0.652695.
    expect(r.entropy).toBeCloseTo(0.71706, 5);
    expect(r.normalizedEntropy).toBeCloseTo(0.652695, 5);
  });

  it('without a marked final answer the whole text is the answer; markers that point at no passage are dropped', async () => {
    const tokens = [tok('Paris', 0.8, [0.8, 0.2]), tok(' is the capital', 0.5, [0.5, 0.5]), tok(' [2][9]', 0.9), tok(' and [0] [1, 3].', 0.9)];
    server.enqueue({ tokens });
    const r = await generator.answer('What is the capital of France?', PASSAGES, new RunContext());
    expect(r.candidates[0]?.text).toBe('Paris is the capital [2][9] and [0] [1, 3].');
    expect(r.candidates[0]?.citations).toEqual([1, 2, 3]);
    const mean = (Math.log(0.8) + Math.log(0.5) + Math.log(0.9) + Math.log(0.9)) / 4;
    expect(r.candidates[0]?.prob).toBeCloseTo(Math.exp(mean), 6);
  });

  it('no passages: no call to the model and no candidate', async () => {
    const ctx = new RunContext();
    const r = await generator.answer('anything?', [], ctx);
    expect(r).toEqual({ candidates: [], entropy: 0, normalizedEntropy: 0 });
    expect(server.chatRequests()).toHaveLength(0);
    expect(ctx.trace.spans[0]).toMatchObject({ name: 'generate.llm', attrs: { skipped: 'no passages' } });
  });

  it('a server that sends no log-probabilities is an UPSTREAM_ERROR saying why, not a made-up confidence', async () => {
    server.enqueue({ text: 'Answer: Paris [2]', omitLogprobs: true });
    const err = await ragErrorOfAsync(() => generator.answer('capital?', PASSAGES, new RunContext()));
    expect(err.code).toBe('UPSTREAM_ERROR');
    expect(err.message).toMatch(/sent no log-probabilities/);
  });

  it('a down server is UNAVAILABLE, recorded on the generate span', async () => {
    const gone = await OpenAiTestServer.start();
    const url = gone.baseUrl;
    await gone.close();
    const g = new LlmGenerator(new OpenAiChatClient({ baseUrl: url, model: 'm', timeoutMs: 1000, maxRetries: 0, retryBaseMs: 1, retryMaxMs: 1, concurrency: 1 }), {
      topLogprobs: 2,
    });
    const ctx = new RunContext();
    const err = await ragErrorOfAsync(() => g.answer('capital?', PASSAGES, ctx));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain(url);
    expect(ctx.trace.spans.find((s) => s.name === 'generate.llm')?.attrs?.['error']).toBe(err.message);
  });
});

describe('LlmGenerator.stream', () => {
  it('yields the text as it is written, then the same result as answer()', async () => {
    const tokens = [tok('It', 0.9, [0.9, 0.1]), tok(' is', 0.9, [0.9, 0.1]), tok(' Paris [2].', 0.7, [0.7, 0.3]), tok('\nAnswer: Paris', 0.8, [0.8, 0.2])];
    server.enqueue({ tokens, chunkDelayMs: 2 }, { tokens });
    const ctx = new RunContext();
    const events: ReaderEvent[] = [];
    for await (const e of generator.stream('What is the capital of France?', PASSAGES, ctx)) events.push(e);
    expect(events.slice(0, -1)).toEqual(tokens.map((t) => ({ type: 'token', text: t.token })));
    const last = events.at(-1);
    expect(last?.type).toBe('result');
    const whole = await generator.answer('What is the capital of France?', PASSAGES, new RunContext());
    expect(last?.type === 'result' ? last.result : undefined).toEqual(whole);
    expect(whole.candidates[0]).toEqual({ text: 'Paris', prob: 0.8, citations: [2] });
    expect(server.chatRequests()[0]?.stream).toBe(true);
    const span = ctx.trace.spans.find((s) => s.name === 'generate.llm');
    expect(span?.attrs).toMatchObject({ candidates: 1, finalAnswer: true, completionTokens: 4 });
  });
});

describe('LlmGenerator odd replies', () => {
  it('abstains on an empty reply, streamed or not (the stream failed for want of logprobs)', async () => {
    server.enqueue({ tokens: [] });
    const whole = await generator.answer('What is the capital of France?', PASSAGES, new RunContext());
    expect(whole.candidates).toEqual([]);
    server.enqueue({ tokens: [] });
    const events: ReaderEvent[] = [];
    for await (const e of generator.stream('What is the capital of France?', PASSAGES, new RunContext())) events.push(e);
    const result = events.find((e) => e.type === 'result');
    expect(result?.type === 'result' && result.result.candidates).toEqual([]);
  });

  it('a reply cut off at maxTokens (finish_reason "length") is of unknown certainty, streamed or not: not a confident answer', async () => {
    // Every token was likely, but the answer stops mid-sentence: its log-probabilities cannot vouch for it.
    const cut = { tokens: [tok('The', 0.99), tok(' tower', 0.99), tok(' is', 0.99)], finishReason: 'length' };
    server.enqueue(cut);
    const ctx = new RunContext();
    const whole = await generator.answer('How tall is the tower?', PASSAGES, ctx);
    expect(whole.candidates[0]?.text).toBe('The tower is');
    expect(whole.candidates[0]?.prob).toBeLessThanOrEqual(0.5);
    expect(whole.normalizedEntropy).toBe(1);
    expect(ctx.trace.spans.find((s) => s.name === 'generate.llm')?.attrs?.['truncated']).toBe(true);
    server.enqueue(cut);
    const events: ReaderEvent[] = [];
    for await (const e of generator.stream('How tall is the tower?', PASSAGES, new RunContext())) events.push(e);
    const result = events.find((e) => e.type === 'result');
    expect(result?.type === 'result' && result.result.normalizedEntropy).toBe(1);
    // A reply that stopped on its own keeps its confidence.
    server.enqueue({ tokens: [tok('Answer: Paris [2]', 0.99)] });
    expect((await generator.answer('What is the capital of France?', PASSAGES, new RunContext())).candidates[0]?.prob).toBeGreaterThan(0.9);
  });

  it('takes a final "Answer: unknown", which the prompt asks for when the passages lack the answer, as an abstention', async () => {
    server.enqueue({ tokens: [tok('The passages do not say how tall the tower is.', 0.99), tok('\nAnswer: unknown.', 0.99)] });
    const ctx = new RunContext();
    const r = await generator.answer('How tall is the tower?', PASSAGES, ctx);
    // Before: the sentence came back as the answer at confidence 0.99.
    expect(r).toMatchObject({ candidates: [], normalizedEntropy: 1 });
    expect(ctx.trace.spans.find((s) => s.name === 'generate.llm')?.attrs?.['unknown']).toBe(true);
    const messages = (server.requests.at(-1)?.body?.messages ?? []) as Array<{ content: string }>;
    const system = messages[0]?.content ?? '';
    expect(system).toContain('end with one last line "Answer: unknown"');
    // "unknown" inside a real answer is an answer.
    server.enqueue({ tokens: [tok('Answer: Unknown Pleasures [1]', 0.9)] });
    expect((await generator.answer('Which album?', PASSAGES, new RunContext())).candidates[0]?.text).toBe('Unknown Pleasures');
  });

  it('keeps confidence a probability when a server rounds a logprob above 0', async () => {
    server.enqueue({ tokens: [{ token: 'Answer: Paris [2]', logprob: 0.5, top: [{ token: 'Answer: Paris [2]', logprob: 0.5 }] }] });
    const r = await generator.answer('What is the capital of France?', PASSAGES, new RunContext());
    expect(r.candidates[0]?.prob).toBeLessThanOrEqual(1);
  });
});

