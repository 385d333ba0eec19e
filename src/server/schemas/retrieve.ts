import { Type, type Static } from '@sinclair/typebox';
import { DegradedSchema, HitSchema, MetadataFilter, PlanSchema, TraceSchema, kField, queryField } from './common.js';

export const retrieveBodySchema = (limits: { maxQueryChars: number; maxK: number }) => {
  return Type.Object(
    {
      query: queryField(limits.maxQueryChars),
      k: Type.Optional(kField(limits.maxK, 'Chunks to return (default 10)')),
      filter: Type.Optional(MetadataFilter),
      retriever: Type.Optional(
        Type.Union([Type.Literal('bm25'), Type.Literal('dense'), Type.Literal('hybrid')], {
          description: 'bm25 (default), dense (vectors; needs an embedder) or hybrid (both, fused)',
        }),
      ),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
    },
    { additionalProperties: false },
  );
};
export type RetrieveBody = Static<ReturnType<typeof retrieveBodySchema>>;

export const RetrieveResponseSchema = Type.Object({
  plan: PlanSchema,
  hits: Type.Array(HitSchema),
  trace: TraceSchema,
  cached: Type.Optional(Type.Boolean({ description: 'Served from the cache (same request, same index version)' })),
  degraded: Type.Optional(DegradedSchema),
});
