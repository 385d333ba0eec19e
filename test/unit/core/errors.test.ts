import { describe, expect, it } from 'vitest';
import { RagError, badRequest, isRagError, type ErrorCode } from '../../../src/core/errors.js';

describe('RagError', () => {
  it('maps every code to its HTTP status', () => {
    const expected: Record<ErrorCode, number> = {
      BAD_REQUEST: 400,
      VALIDATION: 400,
      UNKNOWN_PIPELINE: 400,
      UNKNOWN_ENSEMBLE: 400,
      UNAUTHORIZED: 401,
      RATE_LIMITED: 429,
      NOT_FOUND: 404,
      PAYLOAD_TOO_LARGE: 413,
      UNSUPPORTED_MEDIA_TYPE: 415,
      INVALID_DOCUMENT: 400,
      CONFIG: 500,
      ABORTED: 499,
      DEADLINE_EXCEEDED: 504,
      UNAVAILABLE: 503,
      UPSTREAM_ERROR: 502,
      INTERNAL: 500,
    };
    for (const [code, status] of Object.entries(expected) as Array<[ErrorCode, number]>) {
      const err = new RagError(code, 'm');
      expect(err.statusCode, code).toBe(status);
      expect(err.code).toBe(code);
    }
  });

  it('is an Error with name, message, details and cause', () => {
    const cause = new Error('root');
    const err = new RagError('NOT_FOUND', 'no doc', { id: 'x' }, { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('RagError');
    expect(err.message).toBe('no doc');
    expect(err.details).toEqual({ id: 'x' });
    expect(err.cause).toBe(cause);
    expect(new RagError('INTERNAL', 'x').details).toBeUndefined();
  });

  it('badRequest and isRagError', () => {
    const err = badRequest('bad', { field: 'k' });
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.statusCode).toBe(400);
    expect(err.details).toEqual({ field: 'k' });
    expect(isRagError(err)).toBe(true);
    expect(isRagError(new Error('x'))).toBe(false);
    expect(isRagError({ code: 'BAD_REQUEST' })).toBe(false);
  });
});
