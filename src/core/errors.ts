/**
 * Coded errors. Every error a user can cause maps to a stable code and an HTTP status, so the server's one
 * error handler can answer with a reason instead of a 500.
 */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'VALIDATION'
  | 'UNKNOWN_PIPELINE'
  | 'UNKNOWN_ENSEMBLE'
  | 'UNAUTHORIZED'
  | 'RATE_LIMITED'
  | 'NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INVALID_DOCUMENT'
  | 'CONFIG'
  | 'ABORTED'
  | 'DEADLINE_EXCEEDED'
  | 'UNAVAILABLE'
  | 'UPSTREAM_ERROR'
  | 'INTERNAL';

const STATUS: Record<ErrorCode, number> = {
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
  /** A server we depend on answered, but with an error or a malformed reply that retrying will not fix. */
  UPSTREAM_ERROR: 502,
  INTERNAL: 500,
};

export class RagError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RagError';
    this.code = code;
    this.statusCode = STATUS[code];
    if (details !== undefined) this.details = details;
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>): RagError =>
  new RagError('BAD_REQUEST', message, details);

export const isRagError = (e: unknown): e is RagError => e instanceof RagError;

/** Whether a string is one of the codes above (as a server's error body carries it). */
export const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(STATUS, code);
