import { setTimeout as sleep } from 'node:timers/promises';
import { RagError } from '../core/errors.js';
import type { RunContext } from '../core/run-context.js';
import { Semaphore } from '../core/semaphore.js';
import { ChatModel, type ChatServerStatus } from './chat-model.js';
import { ChatStreamAssembler } from './chat-stream-assembler.js';
import type { ChatDelta, ChatMessage, ChatOptions, ChatResult } from './chat-types.js';
import { WireError, chatRequestBody, errorMessageOf, parseChatCompletion, type RequestDefaults } from './openai-wire.js';
import { backoffMs, retryAfterMs } from './retry-timing.js';
import { SseStreamError, sseEvents, textPieces } from '../core/sse-events.js';
import { DEFAULT_MAX_ANSWER_BYTES, TooLarge, readCapped } from '../core/http-json.js';
import { fetchBlockedPort } from '../core/fetch-bad-ports.js';

export interface OpenAiChatClientOptions {
  /** The OpenAI-style base URL, ending in /v1 for most servers: http://127.0.0.1:8000/v1. */
  baseUrl: string;
  /** Sent as a bearer token; never logged or put in an error. */
  apiKey?: string;
  model: string;
  /** Limit of one attempt: the whole reply, or for a stream the wait for its headers and each gap between chunks. */
  timeoutMs: number;
  /** Retries after a connection error, a timeout, 408, 429 or 5xx. */
  maxRetries: number;
  /** First backoff; doubled each retry, with jitter. */
  retryBaseMs: number;
  /** Longest wait between attempts; a Retry-After asking for more fails the request instead. */
  retryMaxMs: number;
  /** Requests in flight at once; more wait their turn. */
  concurrency: number;
  temperature?: number;
  maxTokens?: number;
  /** The most bytes of one reply, whole or streamed (default 64 MiB, as for every model server's answer). */
  maxReplyBytes?: number;
}

const STAGE = 'llm.chat';
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_CONNECT_TIMEOUT']);

/** A non-2xx answer. */
class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly serverMessage: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`answered ${status}${serverMessage ? `: ${serverMessage}` : ''}`);
  }
}

/** Why an attempt failed, when trying again may help. */
interface Failure {
  reason: string;
  status?: number;
  retryAfterMs?: number;
}

/**
 * One try at a request: a slot under the concurrency cap and a timeout of its own, which a stream restarts on
 * every chunk. Ending it frees the slot and cuts the connection if it is still open.
 */
class Attempt {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private expired = false;
  private kept = false;
  private ended = false;

  constructor(
    outer: AbortSignal,
    private readonly timeoutMs: number,
    private readonly release: () => void,
  ) {
    this.signal = AbortSignal.any([outer, this.controller.signal]);
    this.restartTimer();
  }

  get timedOut(): boolean {
    return this.expired;
  }

  restartTimer(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort(new Error(`no answer within ${this.timeoutMs} ms`));
    }, this.timeoutMs);
  }

  /** The response outlives the attempt (a stream): its reader ends it. */
  keep(): void {
    this.kept = true;
  }

  endUnlessKept(): void {
    if (!this.kept) this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.controller.abort(new Error('attempt ended'));
    this.release();
  }
}

/**
 * A client for any OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama, TGI, OpenAI): JSON and
 * streamed replies, log-probabilities, tool calls, stop sequences, the request's signal and deadline, retries
 * with backoff and jitter (honouring Retry-After), and a cap on requests in flight.
 *
 * The transport is Node's own fetch rather than the `openai` package: that SDK reads the process environment
 * (OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID, OPENAI_CUSTOM_HEADERS, OPENAI_LOG) behind the configuration's
 * back, insists on an API key that local servers do not have, and retries on its own schedule, unaware of the
 * request's deadline; what this client needs of the protocol is one POST, one GET and server-sent events. The
 * SDK still checks, in the tests, that the test server all LLM tests use speaks the protocol faithfully.
 */
export class OpenAiChatClient extends ChatModel {
  readonly model: string;
  /** The base URL without credentials: safe for messages and logs. */
  readonly url: string;
  readonly #headers: Record<string, string>;
  private readonly base: string;
  private readonly slots: Semaphore;
  private readonly defaults: RequestDefaults;

  private readonly maxReplyBytes: number;

  constructor(private readonly options: OpenAiChatClientOptions) {
    super();
    this.maxReplyBytes = options.maxReplyBytes ?? DEFAULT_MAX_ANSWER_BYTES;
    let parsed: URL;
    try {
      parsed = new URL(options.baseUrl);
    } catch {
      throw new RagError('CONFIG', `llm.baseUrl: not a URL (got ${JSON.stringify(options.baseUrl)})`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new RagError('CONFIG', `llm.baseUrl: must be an http or https URL (got ${parsed.protocol})`);
    }
    this.base = options.baseUrl.replace(/\/+$/, '');
    parsed.username = '';
    parsed.password = '';
    this.url = parsed.toString().replace(/\/+$/, '');
    this.model = options.model;
    this.#headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (options.apiKey) this.#headers['authorization'] = `Bearer ${options.apiKey}`;
    this.slots = new Semaphore(options.concurrency);
    this.defaults = { model: options.model };
    if (options.temperature !== undefined) this.defaults.temperature = options.temperature;
    if (options.maxTokens !== undefined) this.defaults.maxTokens = options.maxTokens;
  }

  /** Requests in flight now (at most `concurrency`) and waiting for a slot. */
  get load(): { inFlight: number; queued: number } {
    return { inFlight: this.slots.inUse, queued: this.slots.queued };
  }

  /** GET {baseUrl}/models, outside the concurrency cap so that a readiness check never queues behind answers. */
  async probe(timeoutMs: number): Promise<ChatServerStatus> {
    const url = `${this.url}/models`;
    try {
      const res = await fetch(`${this.base}/models`, { headers: this.#headers, signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) {
        const err = await httpError(res);
        return { reachable: false, url, reason: `LLM server at ${url} ${err.message}` };
      }
      const body: unknown = await res.json().catch(() => undefined);
      const data = typeof body === 'object' && body !== null && 'data' in body && Array.isArray(body.data) ? (body.data as unknown[]) : [];
      const models = data.flatMap((m) => (typeof m === 'object' && m !== null && 'id' in m && typeof m.id === 'string' ? [m.id] : []));
      return { reachable: true, url, models, modelListed: models.includes(this.model) };
    } catch (err) {
      const timedOut = err instanceof DOMException && err.name === 'TimeoutError';
      return { reachable: false, url, reason: `LLM server at ${url} ${timedOut ? `did not answer within ${timeoutMs} ms` : `is unreachable (${describe(err)})`}` };
    }
  }

  protected async doChat(messages: ChatMessage[], options: ChatOptions, ctx: RunContext): Promise<ChatResult> {
    const body = chatRequestBody(messages, options, this.defaults, false);
    return this.send(body, ctx, async (res) => parseChatCompletion(await readJson(res, this.maxReplyBytes), body['model'] as string));
  }

  protected async *doStream(messages: ChatMessage[], options: ChatOptions, ctx: RunContext): AsyncGenerator<ChatDelta, ChatResult, undefined> {
    const body = chatRequestBody(messages, options, this.defaults, true);
    const model = body['model'] as string;
    type Opened = { whole: ChatResult } | { stream: ReadableStream<Uint8Array>; attempt: Attempt };
    const opened = await this.send(body, ctx, async (res, attempt): Promise<Opened> => {
      if (!(res.headers.get('content-type') ?? '').includes('text/event-stream') || res.body === null) {
        // A server that ignores `stream` answers with one JSON body; read inside the attempt, so it is retried too.
        return { whole: parseChatCompletion(await readJson(res, this.maxReplyBytes), model) };
      }
      attempt.keep();
      return { stream: res.body, attempt };
    });
    if ('whole' in opened) {
      if (opened.whole.text.length > 0) yield opened.whole.tokens ? { text: opened.whole.text, tokens: opened.whole.tokens } : { text: opened.whole.text };
      return opened.whole;
    }
    const { stream, attempt } = opened;
    const reader = stream.getReader();
    const assembler = new ChatStreamAssembler(model);
    let sawDone = false;
    try {
      for await (const event of sseEvents(textPieces(reader, () => attempt.restartTimer(), this.maxReplyBytes))) {
        if (event.data.trim() === '[DONE]') {
          sawDone = true;
          break;
        }
        let chunk: unknown;
        try {
          chunk = JSON.parse(event.data);
        } catch {
          throw new WireError(`a stream event is not JSON: ${event.data.slice(0, 200)}`);
        }
        const delta = assembler.push(chunk);
        if (delta) yield delta;
      }
      if (!sawDone && !assembler.finished) throw this.unavailable({ reason: 'ended the stream before it finished' }, 1);
      return assembler.result();
    } catch (err) {
      throw this.midStreamError(err, attempt, ctx);
    } finally {
      await reader.cancel().catch(() => undefined);
      attempt.end();
    }
  }

  /**
   * POSTs to /chat/completions and hands the response to `consume`, both inside one attempt, retrying what may
   * pass: connection errors, timeouts, 408, 429 and 5xx, after Retry-After or a jittered exponential backoff,
   * within the request's deadline. Each wait is a `llm.retry` span.
   */
  private async send<T>(body: Record<string, unknown>, ctx: RunContext, consume: (res: Response, attempt: Attempt) => Promise<T>): Promise<T> {
    const payload = JSON.stringify(body);
    for (let retry = 0; ; retry++) {
      const release = await this.slots.acquire(ctx.signal).catch((err: unknown) => {
        ctx.check(STAGE);
        throw err;
      });
      const attempt = new Attempt(ctx.signal, this.options.timeoutMs, release);
      let failure: Failure;
      try {
        const res = await fetch(`${this.base}/chat/completions`, { method: 'POST', headers: this.#headers, body: payload, signal: attempt.signal });
        if (!res.ok) throw await httpError(res);
        return await consume(res, attempt);
      } catch (err) {
        failure = this.failureOf(err, attempt, ctx);
      } finally {
        attempt.endUnlessKept();
      }
      const attempts = retry + 1;
      if (retry >= this.options.maxRetries) throw this.unavailable(failure, attempts);
      const wait = failure.retryAfterMs ?? backoffMs(retry, this.options.retryBaseMs, this.options.retryMaxMs);
      if (wait > this.options.retryMaxMs) {
        throw this.unavailable({ ...failure, reason: `${failure.reason}, and asked to retry after ${Math.round(wait)} ms (more than llm.retryMaxMs)` }, attempts);
      }
      if (wait >= ctx.remainingMs()) {
        throw this.unavailable({ ...failure, reason: `${failure.reason}; a retry in ${Math.round(wait)} ms would pass the request's deadline` }, attempts);
      }
      ctx.log.warn({ url: this.url, attempt: attempts, reason: failure.reason, waitMs: Math.round(wait) }, 'LLM request failed; retrying');
      const start = ctx.trace.now();
      try {
        await sleep(wait, undefined, { signal: ctx.signal });
      } catch (err) {
        ctx.check(STAGE);
        throw err;
      }
      const attrs: Record<string, number | string> = { attempt: attempts, waitMs: Math.round(wait), reason: failure.reason };
      if (failure.status !== undefined) attrs['status'] = failure.status;
      ctx.trace.record('llm.retry', start, attrs);
    }
  }

  /** Sorts a failed attempt: throws what retrying cannot fix, returns what it may. */
  private failureOf(err: unknown, attempt: Attempt, ctx: RunContext): Failure {
    if (err instanceof RagError) throw err;
    if (ctx.signal.aborted) ctx.check(STAGE);
    if (err instanceof WireError) throw this.upstream(`sent a malformed reply: ${err.message}`);
    if (attempt.timedOut) return { reason: `did not answer within ${this.options.timeoutMs} ms` };
    if (err instanceof HttpStatusError) {
      if (err.status === 408 || err.status === 429 || err.status >= 500) {
        const failure: Failure = { reason: err.message, status: err.status };
        if (err.retryAfterMs !== undefined) failure.retryAfterMs = err.retryAfterMs;
        return failure;
      }
      throw this.upstream(`rejected the request: ${err.message}`, { status: err.status });
    }
    return { reason: connectionReason(err, new URL(this.url)) };
  }

  private midStreamError(err: unknown, attempt: Attempt, ctx: RunContext): unknown {
    if (err instanceof RagError) return err;
    if (ctx.signal.aborted) ctx.check(STAGE);
    if (err instanceof WireError || err instanceof SseStreamError) return this.upstream(`sent a malformed stream: ${err.message}`);
    if (attempt.timedOut) return this.unavailable({ reason: `stalled mid-stream: nothing for ${this.options.timeoutMs} ms` }, 1);
    return this.unavailable({ reason: `dropped the stream midway (${describe(err)})` }, 1);
  }

  private unavailable(failure: Failure, attempts: number): RagError {
    const details: Record<string, unknown> = { url: `${this.url}/chat/completions`, attempts };
    if (failure.status !== undefined) details['status'] = failure.status;
    const tries = attempts > 1 ? ` (gave up after ${attempts} attempts)` : '';
    return new RagError('UNAVAILABLE', `LLM server at ${this.url}/chat/completions ${failure.reason}${tries}`, details);
  }

  private upstream(what: string, extra: Record<string, unknown> = {}): RagError {
    return new RagError('UPSTREAM_ERROR', `LLM server at ${this.url}/chat/completions ${what}`, { url: `${this.url}/chat/completions`, ...extra });
  }
}

async function httpError(res: Response): Promise<HttpStatusError> {
  const text = await res.text().catch(() => '');
  let message = text.trim().slice(0, 500);
  try {
    message = errorMessageOf(JSON.parse(text)) ?? message;
  } catch {
    // Not JSON: the text itself is the message.
  }
  return new HttpStatusError(res.status, message, retryAfterMs(res.headers));
}

async function readJson(res: Response, maxBytes: number): Promise<unknown> {
  // Read first, parse after: a connection dropped mid-body is retried, a body that is not JSON is not. Bounded as
  // every other model server's answer is: a runaway reply is refused, not read into memory.
  let text: string;
  try {
    text = await readCapped(res, maxBytes);
  } catch (err) {
    if (err instanceof TooLarge) throw new WireError(`the reply is larger than ${maxBytes} bytes; refused unread`);
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new WireError(`the reply is not JSON: ${text.slice(0, 200)}`);
  }
}

/** The innermost cause of a fetch failure: "connect ECONNREFUSED 127.0.0.1:1", "other side closed". */
function describe(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

function connectionReason(err: unknown, url: URL): string {
  // Nothing connected: fetch itself refuses such a port, whatever listens there (the tests' "down server" ports).
  const blocked = fetchBlockedPort(url);
  if (blocked !== undefined) return `is on port ${blocked}, which fetch refuses to connect to (a WHATWG "bad port"): serve it on another port`;
  let e: unknown = err;
  while (e instanceof Error && !(typeof (e as { code?: unknown }).code === 'string') && e.cause !== undefined) e = e.cause;
  const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && UNREACHABLE.has(code) ? `is unreachable (${describe(err)})` : `dropped the connection (${describe(err)})`;
}
