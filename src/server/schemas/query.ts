import { Type, type Static } from '@sinclair/typebox';
import { CandidateSchema, CitationSchema, MetadataFilter, PassageSchema, PlanSchema, TraceSchema, kField, queryField } from './common.js';

export const queryBodySchema = (limits: { maxQueryChars: number; maxK: number }) => {
  return Type.Object(
    {
      query: queryField(limits.maxQueryChars),
      pipeline: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'A configured pipeline; the default when left out' })),
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
});
