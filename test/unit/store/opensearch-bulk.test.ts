import { Client } from '@opensearch-project/opensearch';
import { afterEach, describe, expect, it } from 'vitest';
import { bulkWithBackoff, type BulkOperation, type BulkOptions } from '../../../src/store/opensearch-bulk.js';
import { freePort } from '../../../src/store/opensearch-launcher.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';
import { ndjson, startFakeServer, type FakeServer } from '../../helpers/fake-http.js';

const ops: BulkOperation[] = [
  { action: 'index', id: 'a#0', doc: { text: 'alpha' } },
  { action: 'index', id: 'b#0', doc: { text: 'beta' } },
  { action: 'index', id: 'c#0', doc: { text: 'gamma' } },
];
const options: BulkOptions = { index: 'coll', requireAlias: true, maxRetries: 3, backoffMs: 1, refresh: false };

const item = (id: string, status: number, error?: { type: string; reason: string }) => ({ index: { _index: 'coll.v1', _id: id, status, ...(error ? { error } : {}) } });
/** The ids a bulk request carried, in order. */
const idsSent = (body: string): string[] =>
  ndjson(body).flatMap((line) => {
    const action = (line as Record<string, { _id?: string } | undefined>)['index'] ?? (line as Record<string, { _id?: string } | undefined>)['delete'];
    return action?._id ? [action._id] : [];
  });

describe('bulkWithBackoff', () => {
  let server: FakeServer;
  let client: Client;
  afterEach(async () => {
    await client.close();
    await server.close();
  });

  const start = async (respond: Parameters<typeof startFakeServer>[0]): Promise<void> => {
    server = await startFakeServer(respond);
    client = new Client({ node: server.url, maxRetries: 0 });
  };

  it('retries only the operations rejected with 429, and reports other failures per operation', async () => {
    await start((req, i) => {
      const ids = idsSent(req.body);
      if (i === 0) {
        return {
          status: 200,
          body: { took: 1, errors: true, items: [item('a#0', 201), item('b#0', 429, { type: 'rejected_execution_exception', reason: 'queue full' }), item('c#0', 400, { type: 'mapper_parsing_exception', reason: 'bad field' })] },
        };
      }
      return { status: 200, body: { took: 1, errors: false, items: ids.map((id) => item(id, 201)) } };
    });
    const outcomes = await bulkWithBackoff(client, ops, options);
    expect(outcomes.map((o) => o.status)).toEqual([201, 201, 400]);
    expect(outcomes[2]?.error).toBe('mapper_parsing_exception: bad field');
    expect(server.requests.map((r) => idsSent(r.body))).toEqual([['a#0', 'b#0', 'c#0'], ['b#0']]);
    // Writes through the alias must never auto-create an index named like it.
    expect(server.requests[0]?.url).toContain('/coll/_bulk');
    expect(server.requests[0]?.url).toContain('require_alias=true');
  });

  it('sends the whole request again when the cluster turns it away with 429', async () => {
    await start((req, i) =>
      i < 2 ? { status: 429, body: { error: { type: 'rejected_execution_exception', reason: 'busy' }, status: 429 } } : { status: 200, body: { took: 1, errors: false, items: idsSent(req.body).map((id) => item(id, 201)) } },
    );
    const outcomes = await bulkWithBackoff(client, ops, options);
    expect(outcomes.every((o) => o.status === 201 && o.error === undefined)).toBe(true);
    expect(server.requests).toHaveLength(3);
  });

  it('gives up after maxRetries and says so in the outcome', async () => {
    await start((req) => ({ status: 200, body: { took: 1, errors: true, items: idsSent(req.body).map((id) => item(id, 429, { type: 'rejected_execution_exception', reason: 'queue full' })) } }));
    const outcomes = await bulkWithBackoff(client, ops.slice(0, 1), { ...options, maxRetries: 2 });
    expect(server.requests).toHaveLength(3);
    expect(outcomes[0]?.status).toBe(429);
    expect(outcomes[0]?.error).toContain('still rejected after 2 retries');
  });

  it('backs off exponentially between attempts', async () => {
    const at: number[] = [];
    await start((req, i) => {
      at.push(performance.now());
      return i < 3 ? { status: 429, body: { error: { type: 'x', reason: 'busy' }, status: 429 } } : { status: 200, body: { took: 1, errors: false, items: idsSent(req.body).map((id) => item(id, 201)) } };
    });
    await bulkWithBackoff(client, ops.slice(0, 1), { ...options, backoffMs: 40 });
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // Waits of [20..40], [40..80], [80..160] ms (the upper half of each doubling ceiling).
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[1]).toBeGreaterThanOrEqual(38);
    expect(gaps[2]).toBeGreaterThanOrEqual(78);
  });

  it('turns a failing cluster (5xx) or an unreachable one into UNAVAILABLE', async () => {
    await start(() => ({ status: 503, body: { error: { type: 'cluster_block_exception', reason: 'blocked' }, status: 503 } }));
    const failing = await ragErrorOfAsync(() => bulkWithBackoff(client, ops, options));
    expect(failing.code).toBe('UNAVAILABLE');
    expect(failing.message).toContain('503');
    const closed = new Client({ node: `http://127.0.0.1:${await freePort()}`, maxRetries: 0 });
    const unreachable = await ragErrorOfAsync(() => bulkWithBackoff(closed, ops, options));
    expect(unreachable.code).toBe('UNAVAILABLE');
    expect(unreachable.message).toMatch(/unreachable/);
    await closed.close();
  });
});
