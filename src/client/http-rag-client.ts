import { RagError, isErrorCode } from '../core/errors.js';
import { causeOf } from '../core/http-json.js';
import { SseStreamError, sseEvents, textPieces } from '../core/sse-events.js';
import type { DocumentInput, StoredDocument } from '../core/types.js';
import type { IngestResult, QueryEvent, QueryRequest, QueryResponse, RetrieveResponse, TraceView } from '../rag.js';

import type { RagBackend, RagCallOptions, RetrieveRequest } from './rag-backend.js';

export interface HttpRagClientOptions {
  /** The server, e.g. http://127.0.0.1:3000 */
  baseUrl: string;
  apiKey?: string;
  /** The most a call waits for its answer; for a stream, the most it waits for the next event. */
  timeoutMs?: number;
}

/** The events a streamed query sends, apart from `error`, which ends it. */
const STREAM_EVENTS: ReadonlySet<string> = new Set<QueryEvent['event']>(['plan', 'sources', 'token', 'candidate', 'answer', 'done']);

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

  /** Ingests one batch, all or nothing (POST /v1/documents); a document id that exists is replaced. */
  ingest(documents: DocumentInput[], options: RagCallOptions = {}): Promise<IngestResult & { trace: TraceView }> {
    return this.post<IngestResult & { trace: TraceView }>('/v1/documents', { documents }, options.signal);
  }

  /** A stored document with its structure tree, or undefined when there is none with this id. */
  async getDocument(id: string, options: RagCallOptions = {}): Promise<StoredDocument | undefined> {
    return this.unlessNotFound(this.call<StoredDocument>('GET', documentPath(id), undefined, options.signal), id, undefined);
  }

  /** Deletes a document wherever the server indexes it; false when there was no such document. */
  async deleteDocument(id: string, options: RagCallOptions = {}): Promise<boolean> {
    return this.unlessNotFound(
      this.call<{ deleted: boolean }>('DELETE', documentPath(id), undefined, options.signal).then((r) => r.deleted),
      id,
      false,
    );
  }

  /**
   * The query as the server streams it (server-sent events), event by event as they arrive: the same events as
   * `Rag.stream`. An `error` event is thrown as the server's RagError; a stream that ends before `done` is
   * UNAVAILABLE. Stopping early (break) closes the connection, which stops the server's work.
   */
  async *stream(request: QueryRequest, options: RagCallOptions = {}): AsyncGenerator<QueryEvent, void, undefined> {
    const url = `${this.baseUrl}/v1/query`;
    const timeoutMs = this.timeoutMs;
    // The wait is for each event, not the whole answer: a long answer that keeps coming is not too slow.
    const idle = new AbortController();
    const timer = setTimeout(() => idle.abort(new DOMException('idle', 'TimeoutError')), timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, idle.signal]) : idle.signal;
    const failed = (err: unknown, what: 'did not answer' | 'sent no further event'): RagError => this.callError(err, url, options.signal, timeoutMs, what);
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    try {
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', headers: this.headers('text/event-stream'), body: JSON.stringify({ ...request, stream: true }), signal });
      } catch (err) {
        throw failed(err, 'did not answer');
      }
      if (!res.ok || !(res.headers.get('content-type') ?? '').includes('text/event-stream') || res.body === null) {
        // A mistake found before the stream opens (an unknown pipeline, a query with no words) is a JSON error.
        const text = await res.text().catch((err: unknown) => {
          throw failed(err, 'did not answer');
        });
        const payload = parseJson(text, url, res.status);
        throw res.ok ? notJson(url, res.status, `a JSON body, not a stream: ${text}`) : serverError(url, res, payload);
      }
      reader = res.body.getReader();
      try {
        for await (const e of sseEvents(textPieces(reader, () => timer.refresh()))) {
          const data = parseJson(e.data, url, res.status);
          if (e.event === 'error') throw streamError(url, res, data);
          // Events a newer server may add are skipped, as an EventSource does with types it does not listen for.
          if (e.event === undefined || !STREAM_EVENTS.has(e.event)) continue;
          const event = { event: e.event, data } as QueryEvent;
          yield event;
          if (event.event === 'done') return;
        }
      } catch (err) {
        if (err instanceof RagError) throw err;
        if (err instanceof SseStreamError) throw new RagError('UPSTREAM_ERROR', `RAG server at ${url} sent a stream this client cannot read: ${err.message}`, { url });
        throw failed(err, 'sent no further event');
      }
      throw new RagError('UNAVAILABLE', `RAG server at ${url} ended the stream before its "done" event`, { url });
    } finally {
      clearTimeout(timer);
      // Closing the connection is what tells the server to stop the work behind the stream.
      await reader?.cancel().catch(() => undefined);
    }
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 30_000;
  }

  private headers(accept: string): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept };
    if (this.options.apiKey) headers['authorization'] = `Bearer ${this.options.apiKey}`;
    return headers;
  }

  private post<T>(path: string, body: object, caller?: AbortSignal): Promise<T> {
    return this.call<T>('POST', path, body, caller);
  }

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body: object | undefined, caller?: AbortSignal): Promise<T> {
    const timeoutMs = this.timeoutMs;
    const url = `${this.baseUrl}${path}`;
    let res: Response;
    let text: string;
    try {
      // Closing the connection is what tells the server to stop the work behind the request.
      const timeout = AbortSignal.timeout(timeoutMs);
      const headers = this.headers('application/json');
      if (body === undefined) delete headers['content-type'];
      res = await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: caller ? AbortSignal.any([caller, timeout]) : timeout,
      });
      text = await res.text();
    } catch (err) {
      throw this.callError(err, url, caller, timeoutMs, 'did not answer');
    }
    const payload = parseJson(text, url, res.status);
    if (!res.ok) throw serverError(url, res, payload);
    return payload as T;
  }

  /**
   * The server's NOT_FOUND for the document is an answer ("none"), not a failure; a NOT_FOUND without the id (a
   * wrong base URL, a server without the route) stays one.
   */
  private async unlessNotFound<T, F>(call: Promise<T>, id: string, none: F): Promise<T | F> {
    try {
      return await call;
    } catch (err) {
      const server = err instanceof RagError ? err.details?.['server'] : undefined;
      if (err instanceof RagError && err.code === 'NOT_FOUND' && typeof server === 'object' && server !== null && (server as { id?: unknown }).id === id) return none;
      throw err;
    }
  }

  /** A call that failed on the way: aborted by the caller, too slow, or the server out of reach. */
  private callError(err: unknown, url: string, caller: AbortSignal | undefined, timeoutMs: number, what: 'did not answer' | 'sent no further event'): RagError {
    if (caller?.aborted) return new RagError('ABORTED', `the call to ${url} was aborted`, { url }, { cause: err });
    if (err instanceof Error && err.name === 'TimeoutError') {
      return new RagError('DEADLINE_EXCEEDED', `RAG server at ${url} ${what} within ${timeoutMs} ms`, { url }, { cause: err });
    }
    return new RagError('UNAVAILABLE', `RAG server at ${url} is unreachable: ${causeOf(err)}`, { url }, { cause: err });
  }
}

const documentPath = (id: string): string => `/v1/documents/${encodeURIComponent(id)}`;

/** A proxy's login page or an HTML error page is not an answer, whatever its status. */
function parseJson(text: string, url: string, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw notJson(url, status, text);
  }
}

function notJson(url: string, status: number, text: string): RagError {
  return new RagError('UPSTREAM_ERROR', `RAG server at ${url} answered HTTP ${status} with something that is not JSON: ${text.replace(/\s+/g, ' ').slice(0, 200)}`, {
    url,
    status,
  });
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

/** An `error` event: the server's failure after the stream opened (its status line already said 200). */
function streamError(url: string, res: Response, payload: unknown): RagError {
  const body = (typeof payload === 'object' && payload !== null ? payload : {}) as { statusCode?: unknown; code?: unknown; message?: unknown; requestId?: unknown };
  const code = isErrorCode(body.code) ? body.code : 'UPSTREAM_ERROR';
  const message = typeof body.message === 'string' ? body.message : 'the stream failed';
  const details: Record<string, unknown> = { url, status: res.status, midStream: true };
  if (typeof body.requestId === 'string') details['requestId'] = body.requestId;
  return new RagError(code, `RAG server's stream failed${isErrorCode(body.code) ? ` ${body.code}` : ''}: ${message}`, details);
}
