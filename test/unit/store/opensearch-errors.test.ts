import { errors } from '@opensearch-project/opensearch';
import type { ApiResponse } from '@opensearch-project/opensearch';
import { describe, expect, it } from 'vitest';
import { RagError } from '../../../src/core/errors.js';
import { openSearchErrorType, toRagError } from '../../../src/store/opensearch-errors.js';

const response = (statusCode: number, body: unknown): ApiResponse =>
  ({ body, statusCode, headers: {}, warnings: null, meta: {} }) as unknown as ApiResponse;

describe('toRagError', () => {
  it('maps an unreachable or slow cluster to UNAVAILABLE, with what was being done', () => {
    const refused = toRagError(new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'), 'search of rag-chunks');
    expect(refused.code).toBe('UNAVAILABLE');
    expect(refused.statusCode).toBe(503);
    expect(refused.message).toBe('OpenSearch unreachable (search of rag-chunks): connect ECONNREFUSED 127.0.0.1:9200');
    expect(toRagError(new errors.TimeoutError('Request timed out', response(0, null)), 'search').code).toBe('UNAVAILABLE');
    // https:// against a node that serves plain http: OpenSSL's raw words, then what they mean.
    const tls = toRagError(new errors.ConnectionError('write EPROTO 800C44DF:error:0A00010B:SSL routines:ssl3_get_record:wrong version number'), 'search');
    expect(tls.message).toMatch(/wrong version number \(a TLS error: is opensearch\.nodes https:\/\/ for a node that serves plain http:\/\/\?\)$/);
    expect(toRagError(new errors.NoLivingConnectionsError('no living connections', response(0, null)), 'search').code).toBe('UNAVAILABLE');
  });

  it('maps 429 and 5xx to UNAVAILABLE, other rejections to INTERNAL, a missing collection to UNAVAILABLE with advice', () => {
    const busy = toRagError(new errors.ResponseError(response(429, { error: { type: 'rejected_execution_exception', reason: 'busy' }, status: 429 })), 'bulk');
    expect(busy.code).toBe('UNAVAILABLE');
    expect(busy.details?.['status']).toBe(429);
    expect(toRagError(new errors.ResponseError(response(500, { error: { type: 'x' }, status: 500 })), 'search').code).toBe('UNAVAILABLE');
    const bad = toRagError(new errors.ResponseError(response(400, { error: { type: 'parsing_exception', reason: 'unknown query' }, status: 400 })), 'search');
    expect(bad.code).toBe('INTERNAL');
    const missing = new errors.ResponseError(response(404, { error: { type: 'index_not_found_exception', reason: 'no such index [rag-chunks]' }, status: 404 }));
    expect(openSearchErrorType(missing)).toBe('index_not_found_exception');
    const mapped = toRagError(missing, 'search of rag-chunks');
    expect(mapped.code).toBe('UNAVAILABLE');
    expect(mapped.message).toContain('rag opensearch rebuild');
  });

  it('keeps coded errors and aborts as they are', () => {
    const coded = new RagError('CONFIG', 'x');
    expect(toRagError(coded, 'y')).toBe(coded);
    expect(toRagError(new errors.RequestAbortedError('aborted'), 'search').code).toBe('ABORTED');
  });
});
