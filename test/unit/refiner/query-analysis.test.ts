import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import { OpenAiChatClient } from '../../../src/models/openai-chat-client.js';
import { LlmQueryAnalyzer } from '../../../src/refiner/llm-query-analyzer.js';
import { queryFormAlpha } from '../../../src/refiner/query-form-classifier.js';
import { OpenAiTestServer } from '../../helpers/openai-test-server.js';

describe('queryFormAlpha', () => {
  it('reads global needs high and factoid questions low', () => {
    expect(queryFormAlpha('Summarize the history of the Nobel Prize')).toBeGreaterThan(0.6);
    expect(queryFormAlpha('Compare the advantages of solar and wind power')).toBeGreaterThan(0.6);
    expect(queryFormAlpha('What is this article about?')).toBeGreaterThan(0.5);
    expect(queryFormAlpha('who got the first nobel prize in physics')).toBeLessThan(0.4);
    expect(queryFormAlpha('In what year was the company founded?')).toBeLessThan(0.4);
    expect(queryFormAlpha('')).toBe(0.5);
    for (const q of ['x', 'why?', 'how many']) {
      const a = queryFormAlpha(q);
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThanOrEqual(1);
    }
  });
});

describe('LlmQueryAnalyzer', () => {
  let server: OpenAiTestServer;
  let client: OpenAiChatClient;
  beforeAll(async () => {
    server = await OpenAiTestServer.start();
    client = new OpenAiChatClient({
      baseUrl: server.baseUrl, model: 'test-model', timeoutMs: 3000, maxRetries: 0, retryBaseMs: 10, retryMaxMs: 100,
      concurrency: 2,
    });
  });
  afterAll(() => server.close());

  it('takes alpha = p(Global) / (p(Global) + p(Local)) from the first token', async () => {
    server.enqueue({ tokens: [{ token: 'Global', logprob: Math.log(0.6), top: [{ token: 'Global', logprob: Math.log(0.6) }, { token: 'Local', logprob: Math.log(0.2) }, { token: 'The', logprob: Math.log(0.1) }] }] });
    const analyzer = new LlmQueryAnalyzer((m, o, ctx) => client.chat(m, o, ctx));
    const ctx = new RunContext();
    const alpha = await analyzer.analyze('Give an overview of the topic', ctx);
    expect(alpha).toBeCloseTo(0.75, 5);
    const body = server.requests.at(-1)?.body;
    expect(body?.logprobs).toBe(true);
    expect(ctx.trace.spans.some((s) => s.name === 'refine.analyze.llm')).toBe(true);
  });

  it('falls back to the answer text, then to the question form, without log-probabilities', async () => {
    const analyzer = new LlmQueryAnalyzer((m, o, ctx) => client.chat(m, o, ctx));
    server.enqueue({ text: 'Local', omitLogprobs: true });
    expect(await analyzer.analyze('anything', new RunContext())).toBe(0);
    server.enqueue({ text: '???', omitLogprobs: true });
    expect(await analyzer.analyze('who founded the company', new RunContext())).toBeLessThan(0.5);
  });
});
