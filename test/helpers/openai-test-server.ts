import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real OpenAI-compatible HTTP server for tests, speaking the wire protocol of `POST /v1/chat/completions`
 * (JSON, and `stream: true` as server-sent events ending in `data: [DONE]`) and `GET /v1/models` as OpenAI,
 * vLLM and llama.cpp do: `choices[].message` / `choices[].delta`, `logprobs.content[{token, logprob, bytes,
 * top_logprobs}]`, tool calls (streamed as indexed fragments), `usage` (in streams only with
 * `stream_options.include_usage`), `finish_reason`, stop sequences, and OpenAI-style error bodies. Replies are
 * scripted: a queue, a function of the request, or both; it can also fail (HTTP errors with Retry-After), be slow
 * (before the headers, between chunks) or drop the connection. Every request is recorded for assertions.
 */

export interface ScriptedToken {
  token: string;
  logprob: number;
  /** The alternatives, best first; truncated to the request's `top_logprobs`. Synthesised when left out. */
  top?: Array<{ token: string; logprob: number }>;
}

export interface ScriptedToolCall {
  id?: string;
  name: string;
  /** JSON text of the arguments; streamed in fragments. */
  arguments: string;
}

export interface ScriptedReply {
  /** The assistant's text. With `tokens` the text is their concatenation and this is ignored. */
  text?: string;
  /** The completion token by token, with log-probabilities (sent when the request asks for logprobs). */
  tokens?: ScriptedToken[];
  toolCalls?: ScriptedToolCall[];
  /** Default "stop", or "tool_calls" when there are tool calls. */
  finishReason?: string;
  /** Default: words of the prompt and the completion's token count. */
  usage?: { promptTokens: number; completionTokens: number };
  /** The model named in the reply (default: the request's). */
  model?: string;
  /** Milliseconds before the status line and headers go out. */
  delayMs?: number;
  /** Milliseconds between streamed chunks. */
  chunkDelayMs?: number;
  /** Answer with this HTTP status and an OpenAI-style error body instead of a completion. */
  status?: number;
  /** The error message of such a reply. */
  error?: string;
  /** Retry-After header value: seconds, or an HTTP date. */
  retryAfter?: string;
  headers?: Record<string, string>;
  /** Close the connection without a (complete) answer: before the headers, or after this many stream chunks. */
  drop?: 'before-headers' | { afterChunks: number };
  /** Act as a server that ignores `logprobs: true` (some do): no logprobs in the reply. */
  omitLogprobs?: boolean;
  /** Send this body verbatim with status 200 (a malformed reply); streamed as one `data:` event when streaming. */
  rawBody?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined for bodiless requests or invalid JSON). */
  body: ChatRequestBody | undefined;
}

/** The fields of a chat completion request the server acts on; anything else is accepted and recorded. */
export interface ChatRequestBody {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown } | null;
  logprobs?: unknown;
  top_logprobs?: unknown;
  stop?: unknown;
  tools?: unknown;
  [key: string]: unknown;
}

export type ReplyFunction = (request: RecordedRequest) => ScriptedReply;

export interface OpenAiTestServerOptions {
  /** Model ids GET /v1/models lists (default ["test-model"]). */
  models?: string[];
  /** Replies used when the queue is empty. */
  reply?: ReplyFunction;
  /** When set, requests must carry `Authorization: Bearer <apiKey>`, else 401. */
  apiKey?: string;
}

type Json = Record<string, unknown>;

interface Completion {
  tokens: ScriptedToken[];
  /** Text pieces as streamed: one per token. */
  text: string;
  toolCalls: Array<Required<ScriptedToolCall>>;
  finishReason: string;
}

export class OpenAiTestServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: Array<ScriptedReply | ReplyFunction> = [];
  private handler: ReplyFunction | undefined;
  private inFlightNow = 0;
  private inFlightMost = 0;
  private port = 0;

  private constructor(
    private readonly server: Server,
    private readonly options: OpenAiTestServerOptions,
  ) {
    this.handler = options.reply;
  }

  /** Starts a server on 127.0.0.1 and a free port. */
  static async start(options: OpenAiTestServerOptions = {}): Promise<OpenAiTestServer> {
    const server = createServer();
    const self = new OpenAiTestServer(server, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void self.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self.port = (server.address() as AddressInfo).port;
    return self;
  }

  /** The OpenAI base URL, as clients take it: `http://127.0.0.1:<port>/v1`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Requests being answered right now, and the most there ever were at once. */
  get inFlight(): number {
    return this.inFlightNow;
  }

  get maxInFlight(): number {
    return this.inFlightMost;
  }

  /** Replies for the next requests, in order; a function gets the request. */
  enqueue(...replies: Array<ScriptedReply | ReplyFunction>): void {
    this.queue.push(...replies);
  }

  /** The reply for requests that find the queue empty. */
  setReply(reply: ReplyFunction | undefined): void {
    this.handler = reply;
  }

  /** The bodies of the chat completion requests received so far. */
  chatRequests(): ChatRequestBody[] {
    return this.requests.filter((r) => r.path === '/v1/chat/completions' && r.body).map((r) => r.body as ChatRequestBody);
  }

  reset(): void {
    this.requests.length = 0;
    this.queue.length = 0;
    this.inFlightMost = this.inFlightNow;
  }

  /** Stops listening and cuts every open connection: afterwards clients get "connection refused". */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlightNow++;
    this.inFlightMost = Math.max(this.inFlightMost, this.inFlightNow);
    let counted = true;
    const done = (): void => {
      if (counted) this.inFlightNow--;
      counted = false;
    };
    res.once('close', done);
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let body: ChatRequestBody | undefined;
    let invalidJson = false;
    if (raw.length > 0) {
      try {
        const parsed: unknown = JSON.parse(raw);
        body = isJson(parsed) ? parsed : undefined;
        invalidJson = body === undefined;
      } catch {
        invalidJson = true;
      }
    }
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body };
    this.requests.push(recorded);

    if (this.options.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      sendError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const created = Math.floor(Date.now() / 1000);
      sendJson(res, 200, {
        object: 'list',
        data: (this.options.models ?? ['test-model']).map((id) => ({ id, object: 'model', created, owned_by: 'openai-test-server' })),
      });
      return;
    }
    if (path !== '/v1/chat/completions') {
      sendError(res, 404, `Unknown request URL: ${req.method ?? ''} ${path}.`, 'invalid_request_error', 'unknown_url');
      return;
    }
    if (req.method !== 'POST') {
      sendError(res, 405, `Method ${req.method ?? ''} not allowed.`, 'invalid_request_error', null);
      return;
    }
    if (invalidJson || body === undefined) {
      sendError(res, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null);
      return;
    }
    const problem = invalidRequest(body);
    if (problem) {
      sendError(res, 400, problem.message, 'invalid_request_error', null, problem.param);
      return;
    }

    const next = this.queue.shift() ?? this.handler;
    const reply = typeof next === 'function' ? next(recorded) : next;
    if (reply === undefined) {
      sendError(res, 500, 'openai-test-server: no reply scripted for this request', 'server_error', null);
      return;
    }
    if (reply.delayMs) await waitUnlessClosed(res, reply.delayMs);
    if (res.destroyed) return;
    if (reply.drop === 'before-headers') {
      req.socket.destroy();
      return;
    }
    if (reply.status !== undefined && reply.status >= 400) {
      const headers: Record<string, string> = { ...reply.headers };
      if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
      const type = reply.status === 429 ? 'rate_limit_error' : reply.status >= 500 ? 'server_error' : 'invalid_request_error';
      sendError(res, reply.status, reply.error ?? `scripted error ${reply.status}`, type, null, null, headers);
      return;
    }
    if (body.stream === true) await this.stream(body, reply, res);
    else this.complete(body, reply, res);
  }

  private complete(body: ChatRequestBody, reply: ScriptedReply, res: ServerResponse): void {
    if (reply.rawBody !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.rawBody);
      return;
    }
    const completion = completionOf(body, reply);
    const message: Json = { role: 'assistant', content: completion.toolCalls.length > 0 && completion.text === '' ? null : completion.text, refusal: null };
    if (completion.toolCalls.length > 0) {
      message['tool_calls'] = completion.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
    }
    sendJson(
      res,
      200,
      {
        id: `chatcmpl-${randomUUID()}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: reply.model ?? String(body.model),
        system_fingerprint: null,
        choices: [
          {
            index: 0,
            message,
            logprobs: body.logprobs === true && !reply.omitLogprobs ? { content: completion.tokens.map((t) => wireToken(t, topCount(body))), refusal: null } : null,
            finish_reason: completion.finishReason,
          },
        ],
        usage: usageOf(body, reply, completion),
      },
      reply.headers,
    );
  }

  private async stream(body: ChatRequestBody, reply: ScriptedReply, res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...reply.headers });
    if (reply.rawBody !== undefined) {
      res.end(`data: ${reply.rawBody}\n\n`);
      return;
    }
    const completion = completionOf(body, reply);
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const model = reply.model ?? String(body.model);
    const includeUsage = body.stream_options?.include_usage === true;
    const chunk = (choice: Json | null, usage?: Json): string => {
      const c: Json = { id, object: 'chat.completion.chunk', created, model, system_fingerprint: null, choices: choice ? [{ index: 0, ...choice }] : [] };
      if (includeUsage) c['usage'] = usage ?? null;
      return `data: ${JSON.stringify(c)}\n\n`;
    };
    const chunks: string[] = [];
    const hasTools = completion.toolCalls.length > 0;
    chunks.push(chunk({ delta: { role: 'assistant', content: hasTools && completion.tokens.length === 0 ? null : '', refusal: null }, logprobs: null, finish_reason: null }));
    for (const token of completion.tokens) {
      chunks.push(
        chunk({
          delta: { content: token.token },
          logprobs: body.logprobs === true && !reply.omitLogprobs ? { content: [wireToken(token, topCount(body))], refusal: null } : null,
          finish_reason: null,
        }),
      );
    }
    completion.toolCalls.forEach((call, index) => {
      chunks.push(chunk({ delta: { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }, logprobs: null, finish_reason: null }));
      for (const part of fragments(call.arguments, 7)) {
        chunks.push(chunk({ delta: { tool_calls: [{ index, function: { arguments: part } }] }, logprobs: null, finish_reason: null }));
      }
    });
    chunks.push(chunk({ delta: {}, logprobs: null, finish_reason: completion.finishReason }));
    if (includeUsage) chunks.push(chunk(null, usageOf(body, reply, completion)));
    chunks.push('data: [DONE]\n\n');

    for (let i = 0; i < chunks.length; i++) {
      if (typeof reply.drop === 'object' && i === reply.drop.afterChunks) {
        res.socket?.destroy();
        return;
      }
      if (i > 0 && reply.chunkDelayMs) await waitUnlessClosed(res, reply.chunkDelayMs);
      if (res.destroyed) return;
      // Flushed before the next step, so a scripted drop comes after the chunks before it reached the client.
      await new Promise<void>((resolve) => res.write(chunks[i] ?? '', () => resolve()));
    }
    res.end();
  }
}

function isJson(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { message, type, param, code } }, headers);
}

/** The checks OpenAI makes on the fields this server interprets, with its messages. */
function invalidRequest(body: ChatRequestBody): { message: string; param: string } | undefined {
  if (typeof body.model !== 'string' || body.model.length === 0) return { message: "you must provide a model parameter", param: 'model' };
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return { message: "'messages' must contain at least one message", param: 'messages' };
  }
  for (const [i, m] of body.messages.entries()) {
    if (!isJson(m) || typeof m['role'] !== 'string') return { message: `Invalid value for 'messages[${i}].role'`, param: `messages[${i}].role` };
  }
  if (body.top_logprobs !== undefined && body.top_logprobs !== null) {
    if (body.logprobs !== true) return { message: "'top_logprobs' requires 'logprobs' to be true", param: 'top_logprobs' };
    if (!Number.isInteger(body.top_logprobs) || (body.top_logprobs as number) < 0 || (body.top_logprobs as number) > 20) {
      return { message: "'top_logprobs' must be an integer between 0 and 20", param: 'top_logprobs' };
    }
  }
  return undefined;
}

const topCount = (body: ChatRequestBody): number => (typeof body.top_logprobs === 'number' ? body.top_logprobs : 0);

/** The scripted completion as tokens, cut at the first stop sequence the request names. */
function completionOf(body: ChatRequestBody, reply: ScriptedReply): Completion {
  let tokens: ScriptedToken[] =
    reply.tokens ??
    // Text without tokens: one token per word with its leading space, each 90% likely.
    (reply.text?.match(/\s*\S+|\s+$/g) ?? []).map((token) => ({ token, logprob: Math.log(0.9) }));
  let finishReason = reply.finishReason;
  const stops = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? body.stop.filter((s): s is string => typeof s === 'string') : [];
  const text = tokens.map((t) => t.token).join('');
  const cut = Math.min(...stops.map((s) => text.indexOf(s)).filter((i) => i >= 0));
  if (Number.isFinite(cut)) {
    // Like real servers: the stop sequence is not part of the text, and neither is anything after it.
    const kept: ScriptedToken[] = [];
    let at = 0;
    for (const t of tokens) {
      if (at >= cut) break;
      kept.push(at + t.token.length <= cut ? t : { ...t, token: t.token.slice(0, cut - at) });
      at += t.token.length;
    }
    tokens = kept;
    finishReason = 'stop';
  }
  const toolCalls = (reply.toolCalls ?? []).map((c, i) => ({ id: c.id ?? `call_${i}_${randomUUID().slice(0, 8)}`, name: c.name, arguments: c.arguments }));
  return {
    tokens,
    text: tokens.map((t) => t.token).join(''),
    toolCalls,
    finishReason: finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
  };
}

/** `{token, logprob, bytes, top_logprobs}` with exactly `n` alternatives, synthesised where the script gives fewer. */
function wireToken(t: ScriptedToken, n: number): Json {
  const top = (t.top ?? [{ token: t.token, logprob: t.logprob }]).slice(0, n);
  // Alternatives not scripted share what probability is left, so the list stays a valid (sub-)distribution.
  const used = top.reduce((s, x) => s + Math.exp(x.logprob), 0);
  const missing = n - top.length;
  for (let i = 0; i < missing; i++) top.push({ token: `${t.token}#${i + 1}`, logprob: Math.log(Math.max(1e-9, (1 - used) / missing)) });
  return {
    token: t.token,
    logprob: t.logprob,
    bytes: [...Buffer.from(t.token, 'utf8')],
    top_logprobs: top.map((x) => ({ token: x.token, logprob: x.logprob, bytes: [...Buffer.from(x.token, 'utf8')] })),
  };
}

function usageOf(body: ChatRequestBody, reply: ScriptedReply, completion: Completion): Json {
  const promptTokens =
    reply.usage?.promptTokens ??
    (Array.isArray(body.messages) ? body.messages : []).reduce<number>((n, m) => {
      const content = isJson(m) ? m['content'] : undefined;
      return n + (typeof content === 'string' ? (content.match(/\S+/g)?.length ?? 0) : 0);
    }, 0);
  const completionTokens = reply.usage?.completionTokens ?? completion.tokens.length + completion.toolCalls.length;
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

function fragments(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Sleeps, returning early when the client went away (the response closed). */
function waitUnlessClosed(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      res.off('close', finish);
      resolve();
    }
    res.once('close', finish);
  });
}

/** A scripted token that is `p` likely, with alternatives of the probabilities `top` (the token itself first). */
export function scriptedToken(token: string, p: number, top: number[] = [p]): ScriptedToken {
  return { token, logprob: Math.log(p), top: top.map((q, i) => ({ token: i === 0 ? token : `${token}~${i}`, logprob: Math.log(q) })) };
}
