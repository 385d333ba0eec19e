import { RagError, isErrorCode } from '../core/errors.js';
import { causeOf } from '../core/http-json.js';
import type { QueryRequest, QueryResponse, RetrieveResponse } from '../rag.js';
import type { RagBackend, RagCallOptions, RetrieveRequest } from './rag-backend.js';

export interface HttpRagClientOptions {
  /** The server, e.g. http://127.0.0.1:3000 */
  baseUrl: string;
  apiKey?: string;
  timeoutMs?: number;
}

/**
 * A client of the REST API. The server's own errors come back as RagErrors with its code (so its status), reason,
 * request id and details; a server that cannot be reached is UNAVAILABLE, one too slow DEADLINE_EXCEEDED, and an
 * answer that is not JSON UPSTREAM_ERROR.
 */
export class HttpRagClient implements RagBackend {
  private readonly baseUrl: string;

  constructor(private readonly options: HttpRagClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  query(request: QueryRequest, options: RagCallOptions = {}): Promise<QueryResponse> {
    return this.post<QueryResponse>('/v1/query', request, options.signal);
  }

  retrieve(request: RetrieveRequest, options: RagCallOptions = {}): Promise<RetrieveResponse> {
    return this.post<RetrieveResponse>('/v1/retrieve', request, options.signal);
  }

  private async post<T>(path: string, body: object, caller?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.options.apiKey) headers['authorization'] = `Bearer ${this.options.apiKey}`;
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const url = `${this.baseUrl}${path}`;
    let res: Response;
    let text: string;
    try {
      // Closing the connection is what tells the server to stop the work behind the request.
      const timeout = AbortSignal.timeout(timeoutMs);
      res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: caller ? AbortSignal.any([caller, timeout]) : timeout });
      text = await res.text();
    } catch (err) {
      if (caller?.aborted) throw new RagError('ABORTED', `the call to ${url} was aborted`, { url }, { cause: err });
      if (err instanceof Error && err.name === 'TimeoutError') {
        throw new RagError('DEADLINE_EXCEEDED', `RAG server at ${url} did not answer within ${timeoutMs} ms`, { url }, { cause: err });
      }
      throw new RagError('UNAVAILABLE', `RAG server at ${url} is unreachable: ${causeOf(err)}`, { url }, { cause: err });
    }
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      // A proxy's login page or an HTML error page is not an answer, whatever its status.
      throw new RagError('UPSTREAM_ERROR', `RAG server at ${url} answered HTTP ${res.status} with something that is not JSON: ${text.replace(/\s+/g, ' ').slice(0, 200)}`, {
        url,
        status: res.status,
      });
    }
    if (!res.ok) throw serverError(url, res, payload);
    return payload as T;
  }
}

/** The server's own error, with its code (hence its status), reason, request id and details kept. */
function serverError(url: string, res: Response, payload: unknown): RagError {
  const body = (typeof payload === 'object' && payload !== null ? payload : {}) as { code?: unknown; message?: unknown; requestId?: unknown; details?: unknown };
  const code = isErrorCode(body.code) ? body.code : res.status >= 500 ? 'UPSTREAM_ERROR' : 'BAD_REQUEST';
  const message = typeof body.message === 'string' ? body.message : res.statusText;
  const details: Record<string, unknown> = { url, status: res.status };
  if (typeof body.requestId === 'string') details['requestId'] = body.requestId;
  if (typeof body.details === 'object' && body.details !== null) details['server'] = body.details;
  const retryAfter = res.headers.get('retry-after');
  if (retryAfter !== null) details['retryAfter'] = retryAfter;
  return new RagError(code, `RAG server answered ${res.status}${isErrorCode(body.code) ? ` ${body.code}` : ''}: ${message}`, details);
}
