import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs, retryAfterMs } from '../models/retry-timing.js';
import { RagError } from './errors.js';
import type { RunContext } from './run-context.js';

/** Retries of a model server's transient failures, as the LLM client does them (llm.maxRetries and its kin). */
export interface RetryPolicy {
  maxRetries: number;
  /** First backoff, doubled each retry, with jitter. */
  baseMs: number;
  /** Longest wait between attempts; a Retry-After asking for more fails the request instead. */
  maxMs: number;
  /** Where the settings live, for messages: "embeddings", "rerankers.tei". */
  setting: string;
}

export interface PostJsonOptions {
  /** Names the dependency in errors, e.g. "embeddings server". */
  what: string;
  /** One attempt's limit. */
  timeoutMs: number;
  apiKey?: string;
  /** The request's context: its abort and deadline stop the call, and no retry waits past the deadline. */
  ctx?: RunContext;
  retry?: RetryPolicy;
  /** The most bytes of answer read (default 64 MiB): a server answering more is refused rather than read into memory. */
  maxBytes?: number;
}

export const DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** A failed attempt that trying again may fix: connection errors, timeouts, 408, 429, 5xx. */
class Transient {
  constructor(
    readonly error: RagError,
    readonly retryAfterMs: number | undefined,
  ) {}
}

/**
 * POSTs a JSON body and returns the parsed JSON answer. A server that cannot be reached, does not answer within
 * `timeoutMs`, or answers 5xx, 429 or 408 is tried again under `retry` (after its Retry-After, or a jittered
 * backoff, never past the request's deadline) and then UNAVAILABLE (503); one that rejects the request (another
 * 4xx: a wrong key, model or API) is UPSTREAM_ERROR (502), as the LLM's is; an answer that is not JSON, or larger
 * than `maxBytes`, is UNAVAILABLE. Every message names the URL.
 */
export async function postJson(url: string, body: unknown, options: PostJsonOptions): Promise<unknown> {
  const payload = JSON.stringify(body);
  const { ctx, retry: policy } = options;
  for (let retry = 0; ; retry++) {
    let failure: Transient;
    try {
      return await attempt(url, payload, options);
    } catch (err) {
      if (!(err instanceof Transient)) throw err;
      failure = err;
    }
    const attempts = retry + 1;
    const giveUp = (why = ''): RagError => {
      const tries = attempts > 1 ? ` (gave up after ${attempts} attempts)` : '';
      const e = failure.error;
      return new RagError(e.code, `${e.message}${why}${tries}`, { ...e.details, attempts }, { cause: e });
    };
    if (!policy || retry >= policy.maxRetries) throw giveUp();
    const wait = failure.retryAfterMs ?? backoffMs(retry, policy.baseMs, policy.maxMs);
    if (wait > policy.maxMs) throw giveUp(`, and asked to retry after ${Math.round(wait)} ms (more than ${policy.setting}.retryMaxMs)`);
    if (ctx && wait >= ctx.remainingMs()) throw giveUp(`; a retry in ${Math.round(wait)} ms would pass the request's deadline`);
    const status = failure.error.details?.['status'];
    ctx?.log.warn({ url, attempt: attempts, reason: failure.error.message, waitMs: Math.round(wait) }, `${options.what} request failed; retrying`);
    const start = ctx?.trace.now();
    try {
      await sleep(wait, undefined, ctx ? { signal: ctx.signal } : {});
    } catch (err) {
      ctx?.check(options.what);
      throw err;
    }
    if (ctx && start !== undefined) {
      const attrs: Record<string, number | string> = { what: options.what, attempt: attempts, waitMs: Math.round(wait) };
      if (typeof status === 'number') attrs['status'] = status;
      ctx.trace.record('model.retry', start, attrs);
    }
  }
}

/** One request: the parsed answer, a final RagError, or a Transient that a retry may fix. */
async function attempt(url: string, payload: string, options: PostJsonOptions): Promise<unknown> {
  const { what, timeoutMs, ctx } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = ctx ? AbortSignal.any([ctx.signal, timeout]) : timeout;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.apiKey) headers['authorization'] = `Bearer ${options.apiKey}`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { method: 'POST', headers, body: payload, signal });
    text = await readCapped(res, maxBytes);
  } catch (err) {
    ctx?.check(what);
    if (err instanceof TooLarge) {
      throw new RagError('UNAVAILABLE', `${what} at ${url} answered more than ${size(maxBytes)}; refused unread`, { url, maxBytes });
    }
    if (timeout.aborted) throw new Transient(new RagError('UNAVAILABLE', `${what} at ${url} did not answer within ${timeoutMs} ms`, { url }, { cause: err }), undefined);
    throw new Transient(new RagError('UNAVAILABLE', `${what} at ${url} is unreachable: ${causeOf(err)}`, { url }, { cause: err }), undefined);
  }
  // Some servers and proxies echo the credentials they were sent ("invalid key: Bearer sk-..."): never pass the key on
  // into an error message, which reaches logs and API clients.
  const key = options.apiKey;
  if (key) text = text.split(key).join('***');
  const status = res.status;
  if (status < 200 || status >= 300) {
    const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 300);
    const message = `${what} at ${url} answered HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`;
    if (status >= 500 || status === 429 || status === 408) throw new Transient(new RagError('UNAVAILABLE', message, { url, status }), retryAfterMs(res.headers));
    throw new RagError('UPSTREAM_ERROR', message, { url, status });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RagError('UNAVAILABLE', `${what} at ${url} answered something that is not JSON: ${text.slice(0, 200)}`, { url });
  }
}

/** A body past the bound `readCapped` was given. */
export class TooLarge extends Error {}

/** "64 MB", "2 KB": the bound as a person reads it. */
function size(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  return bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} bytes`;
}

/** The body as text, stopping (and dropping the connection) once it passes `maxBytes`. */
export async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new TooLarge();
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new TooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND...) is in its cause. */
export function causeOf(err: unknown): string {
  const cause: unknown = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return err instanceof Error ? err.message : String(err);
}
