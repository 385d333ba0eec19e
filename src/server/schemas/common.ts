import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MAX_FILTER_KEYS, MAX_METADATA_KEY_CHARS } from '../../core/metadata-filter.js';

/** Shapes shared by several routes; they type the handlers and document the API at once. */

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    error: Type.String(),
    message: Type.String({ description: 'What was wrong, naming the offending field' }),
    requestId: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'ErrorResponse' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

export const OpenAiError = Type.Object({
  message: Type.String(),
  type: Type.String({ description: 'invalid_request_error, authentication_error, rate_limit_error or server_error' }),
  code: Type.String({ description: 'The same code as the top-level `code`' }),
  param: Type.Union([Type.String(), Type.Null()], { description: 'The request field at fault, when one is' }),
});
export type OpenAiError = Static<typeof OpenAiError>;

/** An error of the OpenAI-compatible routes: the usual fields, with `error` in the shape OpenAI's clients read. */
export const OpenAiErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    error: OpenAiError,
    message: Type.String(),
    requestId: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'OpenAiErrorResponse' },
);
export type OpenAiErrorResponse = Static<typeof OpenAiErrorResponse>;

/** A streamed answer, for the OpenAPI document: its frames are text, written as they come (see `SseStream`). */
const SseStreamSchema = Type.String({ description: 'server-sent events: "event: <name>" and "data: <JSON>" lines, a blank line after each frame' });

/** A 200 that is JSON, or server-sent events when the request asks to stream: both in the OpenAPI document. */
export function jsonOrEventStream<T extends TSchema>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema }, 'text/event-stream': { schema: SseStreamSchema } } } as const;
}

export const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

/** A record's key bounds: TypeBox's Record does not carry its key schema's bounds into the JSON schema. */
export const metadataKeys = { propertyNames: { minLength: 1, maxLength: MAX_METADATA_KEY_CHARS } };

export const MetadataFilter = Type.Record(Type.String({ minLength: 1, maxLength: MAX_METADATA_KEY_CHARS }), Scalar, {
  description: 'Exact match on document metadata keys, or "docId"; all keys must match',
  maxProperties: MAX_FILTER_KEYS,
  ...metadataKeys,
});

export const SpanSchema = Type.Object({
  name: Type.String(),
  at: Type.Number({ description: 'Start, ms from the request start' }),
  ms: Type.Number({ description: 'Duration in ms' }),
  attrs: Type.Optional(Type.Record(Type.String(), Scalar)),
});

export const TraceSchema = Type.Object({ totalMs: Type.Number(), spans: Type.Array(SpanSchema) });

export const PlanSchema = Type.Object({
  original: Type.String(),
  corrected: Type.String(),
  corrections: Type.Array(Type.Object({ from: Type.String(), to: Type.String() })),
  subQueries: Type.Array(Type.String()),
});

const chunkFields = {
  id: Type.String(),
  docId: Type.String(),
  title: Type.Optional(Type.String()),
  headingPath: Type.Optional(Type.Array(Type.String())),
  text: Type.String(),
};

const foundByField = Type.Optional(
  Type.Array(Type.String(), { description: 'The queries (the whole corrected query, sub-queries of the plan) that retrieved this chunk' }),
);

export const HitSchema = Type.Object({ ...chunkFields, score: Type.Number(), source: Type.String(), foundBy: foundByField });

export const PassageSchema = Type.Object({
  chunkId: Type.String(),
  docId: Type.String(),
  title: Type.Optional(Type.String()),
  headingPath: Type.Optional(Type.Array(Type.String())),
  text: Type.String(),
  score: Type.Number(),
  tokens: Type.Integer(),
  foundBy: foundByField,
});

export const CitationSchema = Type.Object({
  n: Type.Integer({ description: 'The [n] marker: 1-based index into passages' }),
  chunkId: Type.String(),
  docId: Type.String(),
  title: Type.Optional(Type.String()),
  headingPath: Type.Optional(Type.Array(Type.String())),
});

export const DegradedSchema = Type.Object(
  {
    stage: Type.String({ description: 'The stage that gave up, e.g. "generate"' }),
    reason: Type.String({ description: 'Short and stable: "llm timeout", "llm unavailable"' }),
    fallback: Type.String({ description: 'Who answered instead, e.g. "extractive"' }),
    message: Type.String(),
  },
  { description: 'Present when a stage fell back to a stand-in: the answer is still grounded, but not the configured one' },
);

export const CandidateSchema = Type.Object({
  text: Type.String(),
  prob: Type.Number(),
  citations: Type.Array(Type.Integer()),
});

/** The question field, bounded so a pasted megabyte is refused with a reason. */
export const queryField = (maxQueryChars: number) =>
  Type.String({ minLength: 1, maxLength: maxQueryChars, description: 'The question, in plain words' });

/** How many chunks to retrieve, bounded by configuration. */
export const kField = (maxK: number, description: string) => Type.Integer({ minimum: 1, maximum: maxK, description });
