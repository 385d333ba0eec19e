import { Type, type Static } from '@sinclair/typebox';
import { CandidateSchema, CitationSchema, DegradedSchema, MetadataFilter, PassageSchema, PlanSchema, TraceSchema, kField, queryField } from './common.js';

export const queryBodySchema = (limits: { maxQueryChars: number; maxK: number }) => {
  return Type.Object(
    {
      query: queryField(limits.maxQueryChars),
      pipeline: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'A configured pipeline; the default when left out' })),
      ensemble: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'A configured ensemble instead of a pipeline (not both)' })),
      k: Type.Optional(kField(limits.maxK, 'Chunks to retrieve (overrides the pipeline setting)')),
      filter: Type.Optional(MetadataFilter),
      contextTokens: Type.Optional(Type.Integer({ minimum: 32, maximum: 32768, description: 'Token budget of the context' })),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000, description: 'Deadline for this request' })),
      stream: Type.Optional(Type.Boolean({ description: 'Answer as server-sent events' })),
    },
    { additionalProperties: false },
  );
};
export type QueryBody = Static<ReturnType<typeof queryBodySchema>>;

/** Answers that mean the same, with their share of the members' weighted probability. */
const ClusterSchema = Type.Object({
  answer: Type.String(),
  prob: Type.Number(),
  members: Type.Array(Type.String()),
  citations: Type.Record(Type.String(), Type.Array(Type.Integer())),
});

export const QueryResponseSchema = Type.Object({
  answer: Type.String(),
  confidence: Type.Number({ description: 'Probability of the answer under the pipeline distribution' }),
  abstained: Type.Boolean({ description: 'True when the evidence was too weak to answer' }),
  pipeline: Type.String(),
  plan: PlanSchema,
  candidates: Type.Array(CandidateSchema),
  entropy: Type.Number(),
  normalizedEntropy: Type.Number(),
  citations: Type.Array(CitationSchema),
  passages: Type.Array(PassageSchema),
  trace: TraceSchema,
  cached: Type.Optional(Type.Boolean({ description: 'Served from the cache (same request, same index version)' })),
  degraded: Type.Optional(DegradedSchema),
  ensemble: Type.Optional(Type.String({ description: 'The ensemble that answered, when one was asked for' })),
  mode: Type.Optional(Type.String()),
  members: Type.Optional(
    Type.Array(
      Type.Object({
        pipeline: Type.String(),
        weight: Type.Number({ description: 'exp(-beta * normalised entropy), normalised over the members' }),
        answer: Type.String(),
        confidence: Type.Number(),
        entropy: Type.Number(),
        normalizedEntropy: Type.Number(),
        abstained: Type.Boolean(),
        candidates: Type.Array(CandidateSchema),
        ms: Type.Number(),
      }),
    ),
  ),
  winner: Type.Optional(Type.Union([ClusterSchema, Type.Null()])),
  distribution: Type.Optional(Type.Array(ClusterSchema)),
  dropped: Type.Optional(Type.Array(Type.Object({ pipeline: Type.String(), code: Type.String(), note: Type.String() }))),
});
