import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isRagError } from '../../core/errors.js';
import type { ErrorResponse, OpenAiError, OpenAiErrorResponse } from '../schemas/common.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Errors of this route are answered in OpenAI's shape too (the OpenAI-compatible routes). */
    openAiErrors?: boolean;
  }
}

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  429: 'Too Many Requests',
  404: 'Not Found',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  499: 'Client Closed Request',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Fastify's own error codes, mapped to ours so clients see one vocabulary. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

/** The one error handler: every failure becomes `{statusCode, code, error, message, requestId}`. */
export const errorHandler = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    let statusCode = 500;
    let code = 'INTERNAL';
    let message = 'internal error';
    let details: Record<string, unknown> | undefined;
    /** The request field at fault, for OpenAI's `error.param`. */
    let param: string | undefined;
    if (isRagError(err)) {
      statusCode = err.statusCode;
      code = err.code;
      message = err.message;
      details = err.details;
    } else if (err.validation && err.validationContext === 'body' && request.body === undefined) {
      // No body and no content-type: said as an empty body with one is (strict-json), not as "body: must be object".
      statusCode = 400;
      code = 'BAD_REQUEST';
      message = 'body is empty; expected a JSON object';
    } else if (err.validation) {
      statusCode = 400;
      code = 'VALIDATION';
      param = validationField(err);
      message = repeatedParam(err, request, param) ?? validationMessage(err);
    } else if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      statusCode = 400;
      code = 'BAD_REQUEST';
      message = `body is not valid JSON: ${err.message}`;
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      statusCode = err.statusCode;
      code = FASTIFY_CODES[err.code] ?? 'BAD_REQUEST';
      message =
        err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? tooLarge(request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit)
          : code === 'UNSUPPORTED_MEDIA_TYPE'
            ? unsupportedType(request.headers['content-type'])
            : err.message;
    }
    if (statusCode >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code, message }, 'request rejected');
    const body = errorBody(statusCode, code, message, request.id, details);
    // An OpenAI route this server lacks, refused before its 404 (a missing key, a rate limit), is answered as the
    // 404 would be: in OpenAI's shape, or the OpenAI client shows '401 "Unauthorized"' and drops the reason.
    const openAi = request.routeOptions.config.openAiErrors === true || (request.is404 && OPENAI_RESOURCES.test(request.url.split('?')[0] ?? ''));
    return reply.status(statusCode).send(openAi ? openAiErrorBody(body, param) : body);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const body = errorBody(404, 'NOT_FOUND', `no route ${request.method} ${path}`, request.id);
    // An OpenAI client calling a route this server lacks (/v1/embeddings, /v1/responses) shows only `error` in
    // OpenAI's shape: without it, it says "404 Not Found" and drops the reason.
    return reply.status(404).send(OPENAI_RESOURCES.test(path) ? openAiErrorBody(body) : body);
  });
});

/** OpenAI API routes this server does not have: the OpenAI SDKs call them, and read errors in OpenAI's shape. */
const OPENAI_RESOURCES = /^\/v1\/(?:chat|completions|embeddings|responses|images|audio|files|uploads|moderations|assistants|threads|batches|fine_tuning|vector_stores|realtime|organization|evals|containers|conversations)(?:\/|$)/;

/** Fastify says only "Unsupported Media Type": what was sent, and what is read instead. */
function unsupportedType(contentType: string | undefined): string {
  const sent = contentType === undefined || contentType.trim() === '' ? 'a body without a content-type' : `media type "${contentType.split(';')[0]?.trim()}"`;
  return `${sent} is not accepted: send the body as JSON, with content-type: application/json`;
}

/** Fastify says only "Request body is too large": the limit, and what to do about it, are what the client needs. */
function tooLarge(limit: number | undefined): string {
  const readable = (n: number): string => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
  const size = limit === undefined ? 'the server limit' : `${limit} bytes (${readable(limit)})`;
  return `request body is larger than ${size}, server.bodyLimitBytes: split the documents over several requests, or raise the setting`;
}

/** The one error shape, for the handlers above and for Fastify's framework errors (see app.ts). */
export function errorBody(statusCode: number, code: string, message: string, requestId: string, details?: Record<string, unknown>): ErrorResponse {
  const body: ErrorResponse = { statusCode, code, error: REASON[statusCode] ?? 'Error', message, requestId };
  if (details) body.details = details;
  return body;
}

/**
 * The error shape OpenAI's clients read (`error.message`, `error.type`, `error.code`), for the OpenAI-compatible
 * routes: with the usual fields beside it, so a client of either kind finds the reason.
 */
export function openAiErrorBody(body: ErrorResponse, field?: string): OpenAiErrorResponse {
  const param = field ?? body.details?.['param'];
  return { ...body, error: openAiError(body.statusCode, body.code, body.message, typeof param === 'string' ? param : null) };
}

/** The `error` object of an OpenAI error, as a JSON answer carries it and as a stream's error frame does. */
export function openAiError(statusCode: number, code: string, message: string, param: string | null = null): OpenAiError {
  const type =
    statusCode === 401 ? 'authentication_error' : statusCode === 429 ? 'rate_limit_error' : statusCode >= 500 ? 'server_error' : 'invalid_request_error';
  return { message, type, code, param };
}

/**
 * Fastify's errors from before routing (a path it cannot decode, a parameter over maxParamLength): it answers
 * them outside the error handler and the hooks, so they are answered here, in the same shape, with the request id.
 */
export function frameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const statusCode = tooLong ? 414 : 400;
  const path = request.url.split('?')[0] ?? '';
  request.log.info({ code: err.code, message: err.message }, 'request rejected');
  // Fastify's message quotes the whole URL: a 7,000-character id came back 7,000 characters long, with no limit named.
  const reason = tooLong
    ? `the URL is not valid: a path parameter is over ${MAX_PARAM_LENGTH} characters (the path is ${path.length})`
    : `the URL is not valid: ${err.message}`;
  const body = errorBody(statusCode, 'BAD_REQUEST', reason, request.id);
  // Answered before routing, so no route's openAiErrors flag: the OpenAI routes are told by their path.
  const openAi = OPENAI_RESOURCES.test(path) || OPENAI_ROUTES.test(path);
  return reply
    .status(statusCode)
    .header('x-request-id', request.id)
    .send(openAi ? openAiErrorBody(body) : body);
}

/** The longest path parameter, percent-encoded: a document id of 512 characters, each up to 12 once encoded. */
export const MAX_PARAM_LENGTH = 512 * 12;

/** The OpenAI-compatible routes this server has (their errors carry OpenAI's shape: see the routes' openAiErrors). */
const OPENAI_ROUTES = /^\/v1\/models(?:\/|$)/;

/**
 * The field a validation error names, as its message does ("messages.0.role", a missing "model", an unknown field);
 * undefined when it is the whole body.
 */
function validationField(err: FastifyError): string | undefined {
  const first = err.validation?.[0];
  if (!first) return undefined;
  const path = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const extra = first.params as Record<string, unknown>;
  const child = first.keyword === 'required' ? extra['missingProperty'] : first.keyword === 'additionalProperties' ? extra['additionalProperty'] : undefined;
  const field = typeof child === 'string' ? (path ? `${path}.${child}` : child) : path;
  return field.length > 0 ? field : undefined;
}

/**
 * A query-string parameter given twice (`?limit=1&limit=2`) is parsed as a list, which the schema's "must be string"
 * described as if the value were of the wrong type.
 */
function repeatedParam(err: FastifyError, request: FastifyRequest, field: string | undefined): string | undefined {
  if (err.validationContext !== 'querystring' || err.validation?.[0]?.keyword !== 'type' || field === undefined) return undefined;
  const query = request.query as Record<string, unknown> | undefined;
  return Array.isArray(query?.[field]) ? `${field}: given more than once; give it once` : undefined;
}

/** "body/k must be <= 1000" -> "k: must be <= 1000"; names the field a client got wrong. */
function validationMessage(err: FastifyError): string {
  const first = err.validation?.[0];
  if (!first) return err.message;
  const path = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const extra = first.params as Record<string, unknown>;
  if (first.keyword === 'additionalProperties') {
    return `${path ? `${path}: ` : ''}unknown field "${String(extra['additionalProperty'])}"`;
  }
  if (first.keyword === 'required') return `${path ? `${path}.` : ''}${String(extra['missingProperty'])}: is required`;
  // A choice of constants (a TypeBox union of literals) fails once per constant: "must be equal to constant" says
  // nothing of what would do, so the constants are listed.
  if (first.keyword === 'const') {
    const allowed = (err.validation ?? []).filter((v) => v.keyword === 'const' && v.instancePath === first.instancePath).map((v) => JSON.stringify((v.params as { allowedValue?: unknown }).allowedValue));
    return `${path || 'body'}: must be ${allowed.length > 1 ? `one of ${allowed.join(', ')}` : `equal to ${allowed[0] ?? 'a constant'}`}`;
  }
  // A union of types (a metadata or filter value) fails once per type: "must be string" named only the first.
  const union = (err.validation ?? []).filter((v) => v.keyword === 'type' && v.instancePath === first.instancePath).map((v) => String((v.params as { type?: unknown }).type));
  if (first.keyword === 'type' && union.length > 1) return `${path || 'body'}: must be ${union.slice(0, -1).join(', ')} or ${union.at(-1) ?? ''}`;
  // A key of a record (metadata, a filter) out of bounds: name the key, not only the record.
  const key = (first as { propertyName?: unknown }).propertyName;
  if (typeof key === 'string') return `${path || 'body'}: key ${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}...` : key)} ${first.message ?? 'is invalid'}`;
  return `${path || err.validationContext || 'body'}: ${first.message ?? 'is invalid'}`;
}
