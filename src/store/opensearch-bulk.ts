import type { Client } from '@opensearch-project/opensearch';
import { RagError } from '../core/errors.js';
import type { RunContext } from '../core/run-context.js';
import { toRagError } from './opensearch-errors.js';

/** One write of a bulk request: index a document under an id, or delete one. */
export type BulkOperation = { action: 'index'; id: string; doc: Record<string, unknown> } | { action: 'delete'; id: string };

/** What became of one operation: its HTTP status, and the reason when it failed. */
export interface BulkOutcome {
  operation: BulkOperation;
  status: number;
  error?: string;
}

export interface BulkOptions {
  /** The index or alias written to. */
  index: string;
  /** Writing through an alias: refuse rather than auto-create a concrete index under the alias's name. */
  requireAlias: boolean;
  /** Attempts after the first for operations the cluster rejects as too busy (429). */
  maxRetries: number;
  /** First wait; doubled each attempt (with jitter), at most 30 s. */
  backoffMs: number;
  refresh: boolean | 'wait_for';
  requestTimeoutMs?: number;
  /** The request the write is for: no bulk request and no backoff outlasts its deadline. */
  ctx?: RunContext;
}

const MAX_BACKOFF_MS = 30_000;
/** How much later than the request's deadline a bulk request times out by itself. */
const DEADLINE_MARGIN_MS = 100;

/**
 * Sends the operations in one bulk request and retries, with exponential backoff, those the cluster rejected as
 * too busy (429, per operation or for the whole request). Returns one outcome per operation, in order; only a
 * failure of the request itself (unreachable, 5xx) throws, as UNAVAILABLE.
 */
export async function bulkWithBackoff(client: Client, operations: readonly BulkOperation[], options: BulkOptions): Promise<BulkOutcome[]> {
  const outcomes = new Array<BulkOutcome | undefined>(operations.length);
  let pending = operations.map((_op, i) => i);
  for (let attempt = 0; pending.length > 0; attempt++) {
    const { ctx } = options;
    if (attempt > 0) await sleep(Math.min(backoff(options.backoffMs, attempt), Math.max(0, ctx?.remainingMs() ?? Number.POSITIVE_INFINITY)));
    ctx?.check(`bulk write to ${options.index}`);
    const exhausted = attempt >= options.maxRetries;
    let items: Array<{ status: number; error?: string }>;
    try {
      items = await send(client, pending.map((i) => operations[i]!), options);
    } catch (err) {
      // Cut at the request's deadline (or the client gone): say so (504), not that the cluster timed out.
      if (ctx?.signal.aborted) ctx.check(`bulk write to ${options.index}`);
      const rag = toRagError(err, `bulk write to ${options.index}`);
      // The whole request was turned away as too busy: wait and send it all again.
      if (rag.details?.['status'] === 429 && !exhausted) continue;
      throw rag;
    }
    const retry: number[] = [];
    items.forEach((item, j) => {
      const i = pending[j]!;
      if (item.status === 429 && !exhausted) retry.push(i);
      else {
        const outcome: BulkOutcome = { operation: operations[i]!, status: item.status };
        if (item.error !== undefined) outcome.error = item.status === 429 ? `${item.error} (still rejected after ${options.maxRetries} retries)` : item.error;
        outcomes[i] = outcome;
      }
    });
    pending = retry;
  }
  return outcomes.map((o, i) => o ?? { operation: operations[i]!, status: 500, error: 'no outcome reported' });
}

async function send(client: Client, operations: readonly BulkOperation[], options: BulkOptions): Promise<Array<{ status: number; error?: string }>> {
  const body: Array<Record<string, unknown>> = [];
  for (const op of operations) {
    if (op.action === 'index') body.push({ index: { _id: op.id } }, op.doc);
    else body.push({ delete: { _id: op.id } });
  }
  const { ctx } = options;
  // The request's deadline aborts the bulk request (below); the timeout is only a little later, so the deadline is
  // what the caller hears of when it is the nearer limit.
  const limit = Math.min(options.requestTimeoutMs ?? Number.POSITIVE_INFINITY, Math.floor((ctx?.remainingMs() ?? Number.POSITIVE_INFINITY) + DEADLINE_MARGIN_MS));
  const request = client.bulk(
    { index: options.index, body, refresh: options.refresh, ...(options.requireAlias ? { require_alias: true } : {}) },
    Number.isFinite(limit) ? { requestTimeout: Math.max(1, limit) } : {},
  );
  // A block, not an expression: abort() returns a thenable, which an event listener must not return.
  const abort = (): void => {
    request.abort();
  };
  ctx?.signal.addEventListener('abort', abort, { once: true });
  let response: Awaited<typeof request>;
  try {
    response = await request;
  } finally {
    ctx?.signal.removeEventListener('abort', abort);
  }
  const items = response.body.items;
  if (items.length !== operations.length) {
    throw new RagError('INTERNAL', `OpenSearch answered ${items.length} bulk items for ${operations.length} operations`);
  }
  return items.map((item) => {
    const result = item.index ?? item.delete ?? item.create ?? item.update;
    if (!result) return { status: 500, error: 'bulk item without a result' };
    if (!result.error) return { status: result.status };
    return { status: result.status, error: `${result.error.type}: ${result.error.reason ?? ''}`.trim() };
  });
}

/** Exponential backoff with full jitter in its upper half, so retrying clients spread out. */
function backoff(baseMs: number, attempt: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
