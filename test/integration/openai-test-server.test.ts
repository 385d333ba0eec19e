import OpenAI, { APIConnectionError, APIConnectionTimeoutError, BadRequestError, InternalServerError, RateLimitError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiTestServer } from '../helpers/openai-test-server.js';

/**
 * The test server's fidelity, checked with the official `openai` client: if the SDK (which OpenAI keeps in step
 * with its API) reads our replies, streams, log-probabilities, tool calls and errors as it reads OpenAI's, the
 * tests that use this server exercise the real protocol.
 */

const TOKENS = [
  { token: 'Par', logprob: -0.1, top: [{ token: 'Par', logprob: -0.1 }, { token: 'Lon', logprob: -2.5 }, { token: 'Ber', logprob: -3.5 }] },
  { token: 'is', logprob: -0.01, top: [{ token: 'is', logprob: -0.01 }, { token: 'ma', logprob: -5 }, { token: 'ty', logprob: -6 }] },
];

let server: OpenAiTestServer;
let client: OpenAI;

beforeAll(async () => {
  server = await OpenAiTestServer.start({ models: ['test-model', 'other-model'], apiKey: 'sk-test' });
  client = new OpenAI({ baseURL: server.baseUrl, apiKey: 'sk-test', maxRetries: 0, timeout: 5000 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

describe('openai-test-server through the official openai client', () => {
  it('non-streaming: message, finish reason, usage, and logprobs with top alternatives', async () => {
    server.enqueue({ tokens: TOKENS, usage: { promptTokens: 12, completionTokens: 2 } });
    const r = await client.chat.completions.create({
      model: 'test-model',
      messages: [{ role: 'user', content: 'Capital of France?' }],
      logprobs: true,
      top_logprobs: 2,
    });
    expect(r.object).toBe('chat.completion');
    expect(r.model).toBe('test-model');
    const choice = r.choices[0];
    expect(choice?.message.role).toBe('assistant');
    expect(choice?.message.content).toBe('Paris');
    expect(choice?.finish_reason).toBe('stop');
    expect(r.usage).toEqual({ prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 });
    const content = choice?.logprobs?.content ?? [];
    expect(content.map((t) => t.token)).toEqual(['Par', 'is']);
    expect(content[0]?.logprob).toBe(-0.1);
    expect(content[0]?.bytes).toEqual([...Buffer.from('Par')]);
    // Exactly top_logprobs alternatives, as OpenAI sends.
    expect(content[0]?.top_logprobs.map((t) => [t.token, t.logprob])).toEqual([
      ['Par', -0.1],
      ['Lon', -2.5],
    ]);
    // What the client sent arrived as sent.
    const sent = server.chatRequests()[0];
    expect(sent?.logprobs).toBe(true);
    expect(sent?.top_logprobs).toBe(2);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-test');
  });

  it('leaves logprobs out unless asked, and honours stop sequences', async () => {
    server.enqueue({ text: 'one two STOP three' });
    const r = await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'count' }], stop: [' STOP'] });
    expect(r.choices[0]?.message.content).toBe('one two');
    expect(r.choices[0]?.finish_reason).toBe('stop');
    expect(r.choices[0]?.logprobs).toBeNull();
  });

  it('streaming with logprobs: deltas concatenate to the text, logprobs per chunk, usage in a last chunk', async () => {
    server.enqueue({ tokens: TOKENS });
    const stream = await client.chat.completions.create({
      model: 'test-model',
      messages: [{ role: 'user', content: 'Capital of France?' }],
      stream: true,
      stream_options: { include_usage: true },
      logprobs: true,
      top_logprobs: 3,
    });
    let text = '';
    const tokens: string[] = [];
    const finish: Array<string | null> = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        for (const t of choice.logprobs?.content ?? []) {
          tokens.push(t.token);
          expect(t.top_logprobs).toHaveLength(3);
        }
        finish.push(choice.finish_reason);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Paris');
    expect(tokens).toEqual(['Par', 'is']);
    expect(finish.at(-1)).toBe('stop');
    expect(usage?.completion_tokens).toBe(2);
    expect(usage?.prompt_tokens).toBe(3);
  });

  it('streaming through the SDK helper assembles the same completion, logprobs included', async () => {
    server.enqueue({ tokens: TOKENS, chunkDelayMs: 5 });
    const stream = client.chat.completions.stream({
      model: 'test-model',
      messages: [{ role: 'user', content: 'Capital of France?' }],
      logprobs: true,
      top_logprobs: 1,
    });
    const deltas: string[] = [];
    stream.on('content', (delta) => deltas.push(delta));
    const final = await stream.finalChatCompletion();
    expect(deltas).toEqual(['Par', 'is']);
    expect(final.choices[0]?.message.content).toBe('Paris');
    expect(final.choices[0]?.logprobs?.content?.map((t) => t.top_logprobs.length)).toEqual([1, 1]);
    expect(final.choices[0]?.finish_reason).toBe('stop');
  });

  it('tool calls, non-streaming and streamed as fragments the SDK reassembles', async () => {
    const calls = [
      { id: 'call_a', name: 'search', arguments: '{"query":"capital of France","k":5}' },
      { id: 'call_b', name: 'read', arguments: '{"doc":"paris"}' },
    ];
    const tools: OpenAI.ChatCompletionTool[] = ['search', 'read'].map((name) => ({
      type: 'function',
      function: { name, description: name, parameters: { type: 'object', properties: {} } },
    }));
    server.enqueue({ toolCalls: calls }, { toolCalls: calls });
    const r = await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'find it' }], tools });
    expect(r.choices[0]?.finish_reason).toBe('tool_calls');
    expect(r.choices[0]?.message.content).toBeNull();
    expect(r.choices[0]?.message.tool_calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'search', arguments: calls[0]?.arguments } },
      { id: 'call_b', type: 'function', function: { name: 'read', arguments: calls[1]?.arguments } },
    ]);
    expect(server.chatRequests()[0]?.tools).toEqual(tools);

    const stream = client.chat.completions.stream({ model: 'test-model', messages: [{ role: 'user', content: 'find it' }], tools });
    const done: Array<{ name: string; arguments: string }> = [];
    stream.on('tool_calls.function.arguments.done', (e) => done.push({ name: e.name, arguments: e.arguments }));
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.choices[0]?.message.tool_calls?.map((c) => (c.type === 'function' ? [c.id, c.function.name, c.function.arguments] : []))).toEqual([
      ['call_a', 'search', calls[0]?.arguments],
      ['call_b', 'read', calls[1]?.arguments],
    ]);
    expect(done.map((d) => d.name)).toEqual(['search', 'read']);
  });

  it('HTTP errors arrive as the SDK error classes, with status, message and Retry-After', async () => {
    server.enqueue(
      { status: 429, error: 'slow down', retryAfter: '7' },
      { status: 500, error: 'boom' },
      { status: 503, error: 'overloaded' },
    );
    const ask = () => client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }] });
    const rate = await ask().catch((e: unknown) => e);
    expect(rate).toBeInstanceOf(RateLimitError);
    expect((rate as RateLimitError).status).toBe(429);
    expect((rate as RateLimitError).message).toContain('slow down');
    expect((rate as RateLimitError).headers.get('retry-after')).toBe('7');
    const internal = await ask().catch((e: unknown) => e);
    expect(internal).toBeInstanceOf(InternalServerError);
    expect((internal as InternalServerError).status).toBe(500);
    const down = await ask().catch((e: unknown) => e);
    expect((down as InternalServerError).status).toBe(503);
    expect((down as InternalServerError).message).toContain('overloaded');
  });

  it('rejects invalid requests with 400 in the OpenAI error shape', async () => {
    const err = await client.chat.completions
      .create({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }], top_logprobs: 3 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).message).toMatch(/top_logprobs/);
    expect((err as BadRequestError).param).toBe('top_logprobs');
  });

  it('a dropped connection is a connection error; a slow reply a timeout', async () => {
    server.enqueue({ text: 'never', drop: 'before-headers' });
    const dropped = await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(APIConnectionError);

    server.enqueue({ text: 'late', delayMs: 2000 });
    const slow = await client.chat.completions
      .create({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }] }, { timeout: 100 })
      .catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(APIConnectionTimeoutError);
  });

  it('lists models, and refuses a wrong API key with 401', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['test-model', 'other-model']);
    const wrong = new OpenAI({ baseURL: server.baseUrl, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 });
  });
});
