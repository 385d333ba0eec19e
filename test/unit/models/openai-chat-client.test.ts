import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import type { ChatDelta, ChatMessage, ChatResult } from '../../../src/models/chat-types.js';
import { OpenAiChatClient, type OpenAiChatClientOptions } from '../../../src/models/openai-chat-client.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';
import { OpenAiTestServer, type ScriptedToken } from '../../helpers/openai-test-server.js';

let server: OpenAiTestServer;

beforeAll(async () => {
  server = await OpenAiTestServer.start({ models: ['test-model'], apiKey: 'sk-secret-123' });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

const client = (over: Partial<OpenAiChatClientOptions> = {}): OpenAiChatClient =>
  new OpenAiChatClient({
    baseUrl: server.baseUrl,
    apiKey: 'sk-secret-123',
    model: 'test-model',
    timeoutMs: 5000,
    maxRetries: 2,
    retryBaseMs: 20,
    retryMaxMs: 2000,
    concurrency: 4,
    ...over,
  });

const ASK: ChatMessage[] = [{ role: 'user', content: 'What is the capital of France?' }];

const TOKENS: ScriptedToken[] = [
  { token: 'Paris', logprob: -0.1, top: [{ token: 'Paris', logprob: -0.1 }, { token: 'Lyon', logprob: -2.4 }] },
  { token: ' [1]', logprob: -0.3, top: [{ token: ' [1]', logprob: -0.3 }, { token: '.', logprob: -1.4 }] },
];

/** Drains a stream: the deltas it yielded and the result it returned. */
async function drain(stream: AsyncGenerator<ChatDelta, ChatResult, undefined>): Promise<{ deltas: ChatDelta[]; result: ChatResult }> {
  const deltas: ChatDelta[] = [];
  for (;;) {
    const next = await stream.next();
    if (next.done) return { deltas, result: next.value };
    deltas.push(next.value);
  }
}

describe('OpenAiChatClient.chat', () => {
  it('returns text, log-probabilities with alternatives, usage, finish reason and model', async () => {
    server.enqueue({ tokens: TOKENS, usage: { promptTokens: 21, completionTokens: 2 } });
    const r = await client().chat(ASK, { topLogprobs: 2 }, new RunContext());
    expect(r.text).toBe('Paris [1]');
    expect(r.finishReason).toBe('stop');
    expect(r.model).toBe('test-model');
    expect(r.usage).toEqual({ promptTokens: 21, completionTokens: 2 });
    expect(r.toolCalls).toEqual([]);
    expect(r.tokens).toEqual([
      { token: 'Paris', logprob: -0.1, top: [{ token: 'Paris', logprob: -0.1 }, { token: 'Lyon', logprob: -2.4 }] },
      { token: ' [1]', logprob: -0.3, top: [{ token: ' [1]', logprob: -0.3 }, { token: '.', logprob: -1.4 }] },
    ]);
  });

  it('sends the messages, tools and options in the wire format, with the API key as a bearer token', async () => {
    server.enqueue({ text: 'ok' });
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Find Paris.' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'search', arguments: '{"q":"Paris"}' }] },
      { role: 'tool', content: 'Paris is in France.', toolCallId: 'call_1' },
    ];
    await client({ temperature: 0.2, maxTokens: 64 }).chat(
      messages,
      {
        stop: ['\n\n'],
        topLogprobs: 3,
        json: true,
        tools: [{ name: 'search', description: 'Search the index', parameters: { type: 'object', properties: { q: { type: 'string' } } } }],
      },
      new RunContext(),
    );
    const sent = server.chatRequests()[0];
    expect(sent).toEqual({
      model: 'test-model',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Find Paris.' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'search', arguments: '{"q":"Paris"}' } }] },
        { role: 'tool', content: 'Paris is in France.', tool_call_id: 'call_1' },
      ],
      temperature: 0.2,
      max_tokens: 64,
      stop: ['\n\n'],
      logprobs: true,
      top_logprobs: 3,
      tools: [{ type: 'function', function: { name: 'search', description: 'Search the index', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
      response_format: { type: 'json_object' },
    });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-secret-123');
  });

  it('stop sequences end the text where the server stops', async () => {
    server.enqueue({ text: 'Paris.\nAnswer: Paris\nExtra talk' });
    const r = await client().chat(ASK, { stop: ['\nExtra'] }, new RunContext());
    expect(r.text).toBe('Paris.\nAnswer: Paris');
  });

  it('records an llm.chat span with model, finish reason and token usage', async () => {
    server.enqueue({ text: 'Paris', usage: { promptTokens: 30, completionTokens: 1 } });
    const ctx = new RunContext();
    await client().chat(ASK, {}, ctx);
    expect(ctx.trace.spans).toHaveLength(1);
    expect(ctx.trace.spans[0]).toMatchObject({
      name: 'llm.chat',
      attrs: { model: 'test-model', finishReason: 'stop', promptTokens: 30, completionTokens: 1, stream: false },
    });
  });

  it('returns tool calls', async () => {
    server.enqueue({ toolCalls: [{ id: 'call_9', name: 'search', arguments: '{"q":"Paris"}' }] });
    const r = await client().chat(ASK, { tools: [{ name: 'search', description: 's', parameters: { type: 'object' } }] }, new RunContext());
    expect(r.finishReason).toBe('tool_calls');
    expect(r.text).toBe('');
    expect(r.toolCalls).toEqual([{ id: 'call_9', name: 'search', arguments: '{"q":"Paris"}' }]);
  });
});

describe('OpenAiChatClient.stream', () => {
  it('yields new text only, with its log-probabilities, and returns the assembled result with usage', async () => {
    server.enqueue({ tokens: TOKENS, usage: { promptTokens: 9, completionTokens: 2 }, chunkDelayMs: 2 });
    const ctx = new RunContext();
    const { deltas, result } = await drain(client().stream(ASK, { topLogprobs: 2 }, ctx));
    expect(deltas.map((d) => d.text)).toEqual(['Paris', ' [1]']);
    expect(deltas.map((d) => d.tokens?.map((t) => t.token))).toEqual([['Paris'], [' [1]']]);
    expect(result.text).toBe(deltas.map((d) => d.text).join(''));
    expect(result.tokens?.map((t) => t.top.length)).toEqual([2, 2]);
    expect(result.usage).toEqual({ promptTokens: 9, completionTokens: 2 });
    expect(result.finishReason).toBe('stop');
    expect(server.chatRequests()[0]).toMatchObject({ stream: true, stream_options: { include_usage: true }, logprobs: true, top_logprobs: 2 });
    expect(ctx.trace.spans.map((s) => s.name)).toEqual(['llm.chat']);
    expect(ctx.trace.spans[0]?.attrs).toMatchObject({ stream: true, promptTokens: 9, completionTokens: 2, finishReason: 'stop' });
  });

  it('assembles streamed tool-call fragments into whole calls, in index order', async () => {
    const calls = [
      { id: 'call_a', name: 'search', arguments: '{"query":"capital of France","k":5}' },
      { id: 'call_b', name: 'read', arguments: '{"doc":"paris","section":"History"}' },
    ];
    server.enqueue({ toolCalls: calls });
    const { deltas, result } = await drain(client().stream(ASK, { tools: [{ name: 'search', description: 's', parameters: {} }] }, new RunContext()));
    expect(deltas).toEqual([]);
    expect(result.toolCalls).toEqual(calls);
    expect(result.finishReason).toBe('tool_calls');
  });

  it('a connection dropped mid-stream is UNAVAILABLE, after the deltas that did arrive', async () => {
    server.enqueue({ text: 'one two three four', drop: { afterChunks: 3 } });
    const deltas: string[] = [];
    const err = await ragErrorOfAsync(async () => {
      for await (const d of client().stream(ASK, {}, new RunContext())) deltas.push(d.text);
    });
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain(`${server.baseUrl}/chat/completions`);
    expect(err.message).toMatch(/stream midway|before it finished/);
    expect(deltas).toEqual(['one', ' two']);
  });

  it('a stream idle longer than timeoutMs fails; one that keeps flowing may take longer in total', async () => {
    server.enqueue({ text: 'a b c d e f g h', chunkDelayMs: 40 });
    const { result } = await drain(client({ timeoutMs: 150 }).stream(ASK, {}, new RunContext()));
    expect(result.text).toBe('a b c d e f g h');

    server.enqueue({ text: 'a b', chunkDelayMs: 400 });
    const err = await ragErrorOfAsync(() => drain(client({ timeoutMs: 150 }).stream(ASK, {}, new RunContext())));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/stalled mid-stream: nothing for 150 ms/);
  });

  it('a reader that stops early frees the slot and the span says the stream was cancelled', async () => {
    server.enqueue({ text: 'one two three four five', chunkDelayMs: 5 });
    const c = client({ concurrency: 1 });
    const ctx = new RunContext();
    for await (const d of c.stream(ASK, {}, ctx)) if (d.text === ' two') break;
    expect(c.load).toEqual({ inFlight: 0, queued: 0 });
    expect(ctx.trace.spans[0]).toMatchObject({ name: 'llm.chat', attrs: { stream: true, cancelled: true } });
    server.enqueue({ text: 'next' });
    expect((await c.chat(ASK, {}, new RunContext())).text).toBe('next');
  });

  it('a malformed stream event is an UPSTREAM_ERROR', async () => {
    server.enqueue({ rawBody: '{not json' });
    const err = await ragErrorOfAsync(() => drain(client().stream(ASK, {}, new RunContext())));
    expect(err.code).toBe('UPSTREAM_ERROR');
    expect(err.statusCode).toBe(502);
    expect(err.message).toMatch(/malformed stream: a stream event is not JSON/);
  });
});

describe('OpenAiChatClient on a port fetch refuses', () => {
  it('says that fetch refuses the port, not that a server dropped the connection', async () => {
    // Port 6000 is a WHATWG "bad port": nothing is ever connected to, whatever listens there.
    const err = await ragErrorOfAsync(() => client({ baseUrl: 'http://127.0.0.1:6000/v1', maxRetries: 0 }).chat(ASK, {}, new RunContext()));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/is on port 6000, which fetch refuses to connect to/);
    expect(err.message).not.toMatch(/dropped the connection/);
  });
});

describe('OpenAiChatClient reply size', () => {
  it('refuses a reply past maxReplyBytes, whole or streamed, as an UPSTREAM_ERROR, not read into memory', async () => {
    const long = 'word '.repeat(2000);
    server.enqueue({ text: long });
    const whole = await ragErrorOfAsync(() => client({ maxReplyBytes: 4096 }).chat(ASK, {}, new RunContext()));
    expect(whole).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(whole.message).toMatch(/the reply is larger than 4096 bytes/);
    server.enqueue({ text: long });
    const streamed = await ragErrorOfAsync(() => drain(client({ maxReplyBytes: 4096 }).stream(ASK, {}, new RunContext())));
    expect(streamed).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(streamed.message).toMatch(/passed 4096 bytes/);
    // Within the bound (64 MiB by default), the same reply is read.
    server.enqueue({ text: long });
    expect((await client().chat(ASK, {}, new RunContext())).text.length).toBeGreaterThan(4096);
  });
});

describe('OpenAiChatClient retries', () => {
  it('retries 429 after the Retry-After the server asked for, recording the wait', async () => {
    server.enqueue({ status: 429, error: 'rate limited', retryAfter: '0.3' }, { text: 'Paris' });
    const ctx = new RunContext();
    const started = performance.now();
    const r = await client().chat(ASK, {}, ctx);
    const elapsed = performance.now() - started;
    expect(r.text).toBe('Paris');
    expect(server.chatRequests()).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    const retry = ctx.trace.spans.find((s) => s.name === 'llm.retry');
    expect(retry?.attrs).toMatchObject({ attempt: 1, status: 429, waitMs: 300 });
    expect(retry?.ms).toBeGreaterThanOrEqual(290);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    server.enqueue({ status: 503, retryAfter: new Date(Date.now() + 1500).toUTCString() }, { text: 'ok' });
    const ctx = new RunContext();
    await client({ retryMaxMs: 5000 }).chat(ASK, {}, ctx);
    const wait = Number(ctx.trace.spans.find((s) => s.name === 'llm.retry')?.attrs?.['waitMs']);
    // HTTP dates have whole seconds: the wait is up to a second shorter than asked.
    expect(wait).toBeGreaterThan(400);
    expect(wait).toBeLessThanOrEqual(1500);
  });

  it('backs off exponentially with jitter on 500 and 503, then succeeds', async () => {
    server.enqueue({ status: 500, error: 'boom' }, { status: 503, error: 'overloaded' }, { text: 'Paris' });
    const ctx = new RunContext();
    const r = await client({ retryBaseMs: 100 }).chat(ASK, {}, ctx);
    expect(r.text).toBe('Paris');
    const waits = ctx.trace.spans.filter((s) => s.name === 'llm.retry').map((s) => Number(s.attrs?.['waitMs']));
    expect(waits).toHaveLength(2);
    // Retry n waits between half and all of base * 2^n.
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
    expect(ctx.trace.spans.filter((s) => s.name === 'llm.retry').map((s) => s.attrs?.['status'])).toEqual([500, 503]);
  });

  it('gives up after maxRetries with UNAVAILABLE naming the URL, the status and the attempts', async () => {
    server.enqueue({ status: 503, error: 'overloaded' }, { status: 503, error: 'overloaded' }, { status: 503, error: 'still overloaded' });
    const err = await ragErrorOfAsync(() => client().chat(ASK, {}, new RunContext()));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.statusCode).toBe(503);
    expect(err.message).toBe(`LLM server at ${server.baseUrl}/chat/completions answered 503: still overloaded (gave up after 3 attempts)`);
    expect(err.details).toEqual({ url: `${server.baseUrl}/chat/completions`, attempts: 3, status: 503 });
    expect(server.chatRequests()).toHaveLength(3);
  });

  it('does not wait out a Retry-After longer than retryMaxMs, nor one past the deadline', async () => {
    server.enqueue({ status: 429, error: 'later', retryAfter: '30' });
    const err = await ragErrorOfAsync(() => client({ retryMaxMs: 1000 }).chat(ASK, {}, new RunContext()));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/answered 429: later, and asked to retry after 30000 ms \(more than llm.retryMaxMs\)/);
    expect(server.chatRequests()).toHaveLength(1);

    server.enqueue({ status: 429, error: 'later', retryAfter: '1' });
    const started = performance.now();
    const late = await ragErrorOfAsync(() => client().chat(ASK, {}, new RunContext({ timeoutMs: 500 })));
    expect(late.code).toBe('UNAVAILABLE');
    expect(late.message).toMatch(/a retry in 1000 ms would pass the request's deadline/);
    expect(performance.now() - started).toBeLessThan(400);
  });

  it('retries a connection dropped before the headers', async () => {
    server.enqueue({ drop: 'before-headers' }, { text: 'Paris' });
    const ctx = new RunContext();
    expect((await client().chat(ASK, {}, ctx)).text).toBe('Paris');
    expect(ctx.trace.spans.find((s) => s.name === 'llm.retry')?.attrs?.['reason']).toMatch(/dropped the connection/);
  });

  it('retries an attempt that timed out, then reports the timeout', async () => {
    server.enqueue({ text: 'late', delayMs: 1000 }, { text: 'late', delayMs: 1000 });
    const err = await ragErrorOfAsync(() => client({ timeoutMs: 100, maxRetries: 1 }).chat(ASK, {}, new RunContext()));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/did not answer within 100 ms \(gave up after 2 attempts\)/);
  });

  it('a 4xx is not retried: UPSTREAM_ERROR with the server message, the API key nowhere', async () => {
    server.enqueue({ status: 400, error: "This model's maximum context length is 4096 tokens" });
    const ctx = new RunContext();
    const err = await ragErrorOfAsync(() => client().chat(ASK, {}, ctx));
    expect(err.code).toBe('UPSTREAM_ERROR');
    expect(err.statusCode).toBe(502);
    expect(err.message).toBe(`LLM server at ${server.baseUrl}/chat/completions rejected the request: answered 400: This model's maximum context length is 4096 tokens`);
    expect(server.chatRequests()).toHaveLength(1);

    const denied = await ragErrorOfAsync(() => client({ apiKey: 'sk-wrong-456' }).chat(ASK, {}, ctx));
    expect(denied.code).toBe('UPSTREAM_ERROR');
    expect(denied.message).toMatch(/answered 401: Incorrect API key provided/);
    const everything = JSON.stringify([denied.message, denied.details, ctx.trace.toJSON()]);
    expect(everything).not.toContain('sk-wrong-456');
  });

  it('a reply that is not JSON is an UPSTREAM_ERROR, not retried', async () => {
    server.enqueue({ rawBody: '<html>gateway</html>' });
    const err = await ragErrorOfAsync(() => client().chat(ASK, {}, new RunContext()));
    expect(err.code).toBe('UPSTREAM_ERROR');
    expect(err.message).toMatch(/malformed reply: the reply is not JSON: <html>/);
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('a server that is down is UNAVAILABLE with a reason naming the URL', async () => {
    const gone = await OpenAiTestServer.start();
    const url = gone.baseUrl;
    await gone.close();
    const c = new OpenAiChatClient({ baseUrl: url, model: 'm', timeoutMs: 1000, maxRetries: 1, retryBaseMs: 10, retryMaxMs: 100, concurrency: 1 });
    const err = await ragErrorOfAsync(() => c.chat(ASK, {}, new RunContext()));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(new RegExp(`^LLM server at ${url}/chat/completions is unreachable \\(.*ECONNREFUSED.*\\) \\(gave up after 2 attempts\\)$`));
  });
});

describe('OpenAiChatClient signal, deadline and concurrency', () => {
  it('stops when the request is aborted, and the server sees the connection close', async () => {
    server.enqueue({ text: 'slow', delayMs: 3000 });
    const controller = new AbortController();
    const ctx = new RunContext({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('client went away')), 50);
    const started = performance.now();
    const err = await ragErrorOfAsync(() => client().chat(ASK, {}, ctx));
    expect(err.code).toBe('ABORTED');
    expect(performance.now() - started).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.inFlight).toBe(0);
  });

  it('stops at the deadline with DEADLINE_EXCEEDED, streaming or not, and does not retry past it', async () => {
    server.enqueue({ text: 'slow', delayMs: 3000 });
    const started = performance.now();
    const err = await ragErrorOfAsync(() => client().chat(ASK, {}, new RunContext({ timeoutMs: 120 })));
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(performance.now() - started).toBeLessThan(1000);

    server.enqueue({ text: 'a b c d e f', chunkDelayMs: 100 });
    const streamed = await ragErrorOfAsync(() => drain(client().stream(ASK, {}, new RunContext({ timeoutMs: 250 }))));
    expect(streamed.code).toBe('DEADLINE_EXCEEDED');
  });

  it('an aborted request waiting for a slot leaves without sending', async () => {
    const c = client({ concurrency: 1 });
    server.enqueue({ text: 'first', delayMs: 300 });
    const first = c.chat(ASK, {}, new RunContext());
    const controller = new AbortController();
    const second = ragErrorOfAsync(() => c.chat(ASK, {}, new RunContext({ signal: controller.signal })));
    await new Promise((r) => setTimeout(r, 30));
    expect(c.load).toEqual({ inFlight: 1, queued: 1 });
    controller.abort();
    expect((await second).code).toBe('ABORTED');
    expect((await first).text).toBe('first');
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('the concurrency cap limits requests in flight at the server', async () => {
    const c = client({ concurrency: 2 });
    server.setReply(() => ({ text: 'ok', delayMs: 60 }));
    try {
      const results = await Promise.all(Array.from({ length: 6 }, () => c.chat(ASK, {}, new RunContext())));
      expect(results.map((r) => r.text)).toEqual(Array(6).fill('ok'));
      expect(server.maxInFlight).toBe(2);
      expect(server.chatRequests()).toHaveLength(6);
      // A streamed reply holds its slot until it ends.
      const streams = Array.from({ length: 3 }, () => drain(c.stream(ASK, {}, new RunContext())));
      await Promise.all(streams);
      expect(server.maxInFlight).toBe(2);
    } finally {
      server.setReply(undefined);
    }
  });
});

describe('OpenAiChatClient.probe', () => {
  it('reports a reachable server with its models, and a down one with a reason', async () => {
    const ok = await client().probe(1000);
    expect(ok).toEqual({ reachable: true, url: `${server.baseUrl}/models`, models: ['test-model'], modelListed: true });
    expect((await client({ model: 'other' }).probe(1000)).modelListed).toBe(false);
    const denied = await client({ apiKey: 'wrong' }).probe(1000);
    expect(denied).toMatchObject({ reachable: false, reason: `LLM server at ${server.baseUrl}/models answered 401: Incorrect API key provided.` });

    const gone = await OpenAiTestServer.start();
    const url = gone.baseUrl;
    await gone.close();
    const down = await new OpenAiChatClient({ baseUrl: url, model: 'm', timeoutMs: 1000, maxRetries: 0, retryBaseMs: 1, retryMaxMs: 1, concurrency: 1 }).probe(500);
    expect(down.reachable).toBe(false);
    expect(down.reason).toMatch(new RegExp(`^LLM server at ${url}/models is unreachable \\(.*ECONNREFUSED`));
  });

  it('keeps credentials in the base URL out of what it reports, and rejects a base URL that is not http', () => {
    const c = new OpenAiChatClient({ baseUrl: 'http://user:pw@127.0.0.1:9/v1/', model: 'm', timeoutMs: 1000, maxRetries: 0, retryBaseMs: 1, retryMaxMs: 1, concurrency: 1 });
    expect(c.url).toBe('http://127.0.0.1:9/v1');
    expect(() => new OpenAiChatClient({ baseUrl: 'ftp://x/v1', model: 'm', timeoutMs: 1, maxRetries: 0, retryBaseMs: 1, retryMaxMs: 1, concurrency: 1 })).toThrow(
      /llm.baseUrl: must be an http or https URL/,
    );
  });
});
