import { RagError } from './errors.js';
import type { RunContext } from './run-context.js';

export interface PostJsonOptions {
  /** Names the dependency in errors, e.g. "embeddings server". */
  what: string;
  timeoutMs: number;
  apiKey?: string;
  /** The request's context: its abort and deadline stop the call. */
  ctx?: RunContext;
}

/**
 * POSTs a JSON body and returns the parsed JSON answer. A server that cannot be reached, does not answer within
 * `timeoutMs`, or answers 5xx or 429 is UNAVAILABLE (503); one that rejects the request (another 4xx: a wrong
 * key, model or API) is a CONFIG error; an answer that is not JSON is UNAVAILABLE. Every message names the URL.
 */
export async function postJson(url: string, body: unknown, options: PostJsonOptions): Promise<unknown> {
  const { what, timeoutMs, ctx } = options;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = ctx ? AbortSignal.any([ctx.signal, timeout]) : timeout;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.apiKey) headers['authorization'] = `Bearer ${options.apiKey}`;
  let status: number;
  let text: string;
  try {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
    status = res.status;
    text = await res.text();
  } catch (err) {
    ctx?.check(what);
    if (timeout.aborted) throw new RagError('UNAVAILABLE', `${what} at ${url} did not answer within ${timeoutMs} ms`, { url }, { cause: err });
    throw new RagError('UNAVAILABLE', `${what} at ${url} is unreachable: ${causeOf(err)}`, { url }, { cause: err });
  }
  // Some servers and proxies echo the credentials they were sent ("invalid key: Bearer sk-..."): never pass the key on
  // into an error message, which reaches logs and API clients.
  const key = options.apiKey;
  if (key) text = text.split(key).join('***');
  if (status < 200 || status >= 300) {
    const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 300);
    const message = `${what} at ${url} answered HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`;
    throw new RagError(status >= 500 || status === 429 || status === 408 ? 'UNAVAILABLE' : 'CONFIG', message, { url, status });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RagError('UNAVAILABLE', `${what} at ${url} answered something that is not JSON: ${text.slice(0, 200)}`, { url });
  }
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
