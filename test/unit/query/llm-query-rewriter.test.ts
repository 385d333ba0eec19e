import { describe, expect, it } from 'vitest';
import { words } from '../../../src/core/analyzer.js';
import { RagError } from '../../../src/core/errors.js';
import { RunContext } from '../../../src/core/run-context.js';
import { Trace } from '../../../src/core/trace.js';
import type { ChatMessage, ChatOptions, ChatResult } from '../../../src/models/chat-types.js';
import { LlmQueryRewriter, parseRewrite } from '../../../src/query/llm-query-rewriter.js';
import { QueryPlanner } from '../../../src/query/query-planner.js';
import { SurfaceVocabulary } from '../../../src/query/surface-vocabulary.js';

/** An in-memory model that answers every call with a fixed text and remembers what it was asked. */
function fixedModel(text: string): { complete: (m: ChatMessage[], o: ChatOptions) => Promise<ChatResult>; calls: Array<{ messages: ChatMessage[]; options: ChatOptions }> } {
  const calls: Array<{ messages: ChatMessage[]; options: ChatOptions }> = [];
  return {
    calls,
    complete: async (messages, options) => {
      calls.push({ messages, options });
      return { text, toolCalls: [], finishReason: 'stop', model: 'fixed' };
    },
  };
}

const vocabulary = (): SurfaceVocabulary => {
  const v = new SurfaceVocabulary();
  v.addChunk(words('the world cup final between england and zimbabwe in 1992'));
  return v;
};

describe('parseRewrite', () => {
  it('accepts exactly {corrected, subQueries} and tidies whitespace', () => {
    const r = parseRewrite('{"corrected": "World  Cup 1992", "subQueries": ["World Cup 1992", " England  Zimbabwe "]}', 'Wrold Cup 1992', 4);
    expect(r).toEqual({ ok: true, rewrite: { corrected: 'World Cup 1992', subQueries: ['World Cup 1992', 'England Zimbabwe'] } });
  });

  it('normalises the rewrite as a user query is: no NUL, zero-width or bidi characters reach the plan', () => {
    const r = parseRewrite('{"corrected": "World\\u0000 Cup\\u200b 1992\\u202e", "subQueries": ["World Cup 1992"]}', 'Wrold Cup 1992', 4);
    expect(r).toEqual({ ok: true, rewrite: { corrected: 'World Cup 1992', subQueries: ['World Cup 1992'] } });
  });

  it('keeps the first sub-queries beyond the most asked, and one of those alike but for case', () => {
    // Before, a fifth sub-query made the whole rewrite malformed, and "BM25 parameters" and "bm25 parameters" were
    // retrieved and fused as two lists.
    const r = parseRewrite('{"corrected": "bm25 parameters and k1", "subQueries": ["BM25 parameters", "bm25 parameters", "k1", "b", "stop words"]}', 'bm25 paramters and k1', 2);
    expect(r).toEqual({ ok: true, rewrite: { corrected: 'bm25 parameters and k1', subQueries: ['BM25 parameters', 'k1'] } });
  });

  it('tolerates one ```json fence around the object', () => {
    expect(parseRewrite('```json\n{"corrected": "a query", "subQueries": ["a query"]}\n```', 'a qeury', 4).ok).toBe(true);
  });

  it.each([
    ['not JSON', 'Sure! Here is the corrected query: world cup'],
    ['an array', '["world cup"]'],
    ['a missing field', '{"corrected": "world cup"}'],
    ['an extra field', '{"corrected": "world cup", "subQueries": ["world cup"], "notes": "fixed"}'],
    ['a wrong type', '{"corrected": "world cup", "subQueries": "world cup"}'],
    ['no sub-queries', '{"corrected": "world cup", "subQueries": []}'],
    ['an empty string', '{"corrected": "", "subQueries": ["world cup"]}'],
    ['punctuation only', '{"corrected": "?!", "subQueries": ["world cup"]}'],
    ['a rewrite that drops the question', '{"corrected": "talk about copper mining", "subQueries": ["copper mining"]}'],
    ['runaway length', `{"corrected": "${'x'.repeat(500)}", "subQueries": ["a"]}`],
    ['text around the JSON', 'Answer: {"corrected": "world cup", "subQueries": ["world cup"]}'],
    ['stop words only', '{"corrected": "the of and", "subQueries": ["world cup"]}'],
  ])('rejects %s as malformed', (_what, text) => {
    const r = parseRewrite(text, 'wrold cup', 2);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('malformed');
  });
});

describe('QueryPlanner with an LLM rewriter', () => {
  it('uses a valid rewrite: corrected text, sub-queries, and corrections by word alignment; asks for JSON', async () => {
    const model = fixedModel('{"corrected": "Who won the World Cup final in 1992?", "subQueries": ["World Cup final 1992 winner"]}');
    const planner = new QueryPlanner({}, { vocabulary, rewriter: new LlmQueryRewriter(model.complete) });
    const ctx = new RunContext({ trace: new Trace() });
    const plan = await planner.plan('Who won the Wrold Cup finall in 1992?', ctx);
    expect(plan.corrected).toBe('Who won the World Cup final in 1992?');
    expect(plan.subQueries).toEqual(['World Cup final 1992 winner']);
    expect(plan.corrections).toEqual([
      { from: 'Wrold', to: 'World' },
      { from: 'finall', to: 'final' },
    ]);
    expect(model.calls).toHaveLength(1);
    expect(model.calls[0]?.options.json).toBe(true);
    expect(JSON.stringify(model.calls[0]?.messages)).toContain('Wrold Cup');
    expect(ctx.trace.spans.find((s) => s.name === 'query.plan')?.attrs).toMatchObject({ rewriter: 'llm' });
  });

  it('falls back to the rule-based plan on malformed output, with the reason in the trace', async () => {
    const planner = new QueryPlanner({}, { vocabulary, rewriter: new LlmQueryRewriter(fixedModel('I think you mean "World Cup".').complete) });
    const ctx = new RunContext();
    const plan = await planner.plan('Wrold Cup 1992', ctx);
    expect(plan.corrected).toBe('World Cup 1992');
    expect(plan.corrections).toEqual([{ from: 'Wrold', to: 'World' }]);
    expect(ctx.trace.spans.find((s) => s.name === 'query.plan')?.attrs).toMatchObject({ rewriter: 'rules', fallback: 'malformed' });
    // And the answer says so, as it does for an LLM reranker's malformed reply.
    expect(ctx.degradations).toEqual([{ stage: 'plan', reason: 'llm malformed', fallback: 'rules', message: "the LLM query rewriter's reply was not used (not JSON)" }]);
  });

  it('falls back when the call fails, and the answer will say so', async () => {
    const failing = async (): Promise<ChatResult> => {
      throw new Error('connection refused');
    };
    const ctx = new RunContext();
    const plan = await new QueryPlanner({}, { vocabulary, rewriter: new LlmQueryRewriter(failing) }).plan('Wrold Cup', ctx);
    expect(plan.corrected).toBe('World Cup');
    expect(ctx.trace.spans[0]?.attrs).toMatchObject({ fallback: 'error' });
    expect(ctx.degradations).toEqual([{ stage: 'plan', reason: 'llm error', fallback: 'rules', message: 'connection refused' }]);
  });

  it('flags a down LLM as unavailable', async () => {
    const down = async (): Promise<ChatResult> => {
      throw new RagError('UNAVAILABLE', 'LLM server at http://127.0.0.1:9 is unreachable');
    };
    const ctx = new RunContext();
    await new QueryPlanner({}, { vocabulary, rewriter: new LlmQueryRewriter(down) }).plan('Wrold Cup', ctx);
    expect(ctx.degradations[0]).toMatchObject({ stage: 'plan', reason: 'llm unavailable', fallback: 'rules' });
  });

  it('gives a hung LLM rewriteTimeoutMs at most, or half the time left, then the rules plan stands', async () => {
    let asked: RunContext | undefined;
    const hung = async (_m: ChatMessage[], _o: ChatOptions, ctx: RunContext): Promise<ChatResult> => {
      asked = ctx;
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      ctx.check('llm');
      throw new Error('unreachable');
    };
    const planner = new QueryPlanner({ rewriteTimeoutMs: 150 }, { vocabulary, rewriter: new LlmQueryRewriter(hung) });
    const ctx = new RunContext({ timeoutMs: 5000 });
    const started = performance.now();
    const plan = await planner.plan('Wrold Cup', ctx);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(1000);
    expect(plan.corrected).toBe('World Cup');
    expect(ctx.degradations[0]).toMatchObject({ stage: 'plan', reason: 'llm timeout', fallback: 'rules' });
    expect(ctx.degradations[0]?.message).toMatch(/LLM query rewriter did not answer/);
    expect(asked?.remainingMs()).toBeLessThanOrEqual(0);
    // Half of what is left when that is less.
    const short = new RunContext({ timeoutMs: 200 });
    const t = performance.now();
    await new QueryPlanner({ rewriteTimeoutMs: 10_000 }, { vocabulary, rewriter: new LlmQueryRewriter(hung) }).plan('Wrold Cup', short);
    expect(performance.now() - t).toBeLessThan(190);
    expect(short.degradations[0]?.reason).toBe('llm timeout');
  });

  it('does not stand in for a request that was aborted: that is the request\'s failure', async () => {
    const controller = new AbortController();
    const hung = async (_m: ChatMessage[], _o: ChatOptions, ctx: RunContext): Promise<ChatResult> => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      ctx.check('llm');
      throw new Error('unreachable');
    };
    const ctx = new RunContext({ signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await expect(new QueryPlanner({}, { vocabulary, rewriter: new LlmQueryRewriter(hung) }).plan('Wrold Cup', ctx)).rejects.toMatchObject({ code: 'ABORTED' });
    expect(ctx.degradations).toEqual([]);
  });

  it('keeps configuration in charge: no sub-queries with decompose off, no corrections with denoise off', async () => {
    const model = fixedModel('{"corrected": "World Cup final", "subQueries": ["World Cup", "final"]}');
    const plan = await new QueryPlanner({ decompose: false, denoise: false }, { vocabulary, rewriter: new LlmQueryRewriter(model.complete) }).plan(
      'Wrold Cup finall',
      new RunContext(),
    );
    expect(plan).toEqual({ original: 'Wrold Cup finall', corrected: 'Wrold Cup finall', corrections: [], subQueries: ['Wrold Cup finall'] });
    // Decomposing without denoise: the rules split the query as typed; the model's sub-queries carry its corrections.
    const split = fixedModel('{"corrected": "how do I ingest documents and delete them", "subQueries": ["how do I ingest documents", "how do I delete documents"]}');
    const typed = await new QueryPlanner({ decompose: true, denoise: false }, { vocabulary, rewriter: new LlmQueryRewriter(split.complete) }).plan(
      'how do I ingets documents and how do I delete them',
      new RunContext(),
    );
    expect(typed.corrections).toEqual([]);
    expect(typed.subQueries.join(' ')).not.toContain('ingest');
  });
});
