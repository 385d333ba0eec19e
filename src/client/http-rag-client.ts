import { RagError } from '../core/errors.js';
import type { QueryRequest, QueryResponse, RetrieveResponse } from '../rag.js';
import type { RagBackend, RetrieveRequest } from './rag-backend.js';

export interface HttpRagClientOptions {
  /** The server, e.g. http://127.0.0.1:3000 */
  baseUrl: string;
  apiKey?: string;
  timeoutMs?: number;
}

/** A client of the REST API: the server's own errors come back as RagErrors with their code and reason. */
export class HttpRagClient implements RagBackend {
  private readonly baseUrl: string;

  constructor(private readonly options: HttpRagClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  query(request: QueryRequest): Promise<QueryResponse> {
    return this.post<QueryResponse>('/v1/query', request);
  }

  retrieve(request: RetrieveRequest): Promise<RetrieveResponse> {
    return this.post<RetrieveResponse>('/v1/retrieve', request);
  }

  private async post<T>(path: string, body: object): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.apiKey) headers['authorization'] = `Bearer ${this.options.apiKey}`;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new RagError('UNAVAILABLE', `RAG server at ${this.baseUrl} unreachable: ${(err as Error).message}`);
    }
    const payload = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    if (!res.ok) {
      const code = res.status >= 500 ? 'UNAVAILABLE' : 'BAD_REQUEST';
      throw new RagError(code, `RAG server answered ${res.status}${payload.code ? ` ${payload.code}` : ''}: ${payload.message ?? res.statusText}`);
    }
    return payload as T;
  }
}
