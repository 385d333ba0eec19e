import { Type, type Static } from '@sinclair/typebox';
import { DegradedSchema, queryField } from './common.js';

export const batchBodySchema = (limits: { maxQueryChars: number; maxBatchQuestions: number }) =>
  Type.Object(
    {
      questions: Type.Array(
        Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }), question: queryField(limits.maxQueryChars) }, { additionalProperties: false }),
        { minItems: 1, maxItems: limits.maxBatchQuestions },
      ),
      pipeline: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
      ensemble: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'An ensemble to answer with (not with pipeline)' })),
    },
    { additionalProperties: false },
  );
export type BatchBody = Static<ReturnType<typeof batchBodySchema>>;

const SubmissionRowSchema = Type.Object({
  id: Type.String(),
  question: Type.String(),
  passages: Type.Array(Type.Object({ passage: Type.String(), doc_IDs: Type.Array(Type.String()) })),
  final_prompt: Type.String(),
  answer: Type.String(),
  confidence: Type.Number(),
  abstained: Type.Boolean(),
  pipeline: Type.String(),
  time_ms: Type.Number(),
  degraded: Type.Optional(DegradedSchema),
});

export const BatchJobSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('cancelled')]),
  pipeline: Type.Optional(Type.String()),
  ensemble: Type.Optional(Type.String()),
  total: Type.Integer(),
  done: Type.Integer(),
  failed: Type.Integer(),
  createdAt: Type.String(),
  finishedAt: Type.Optional(Type.String()),
  rows: Type.Optional(Type.Array(SubmissionRowSchema, { description: 'Answers in the LiveRAG submission schema, once the job is done' })),
  failures: Type.Array(Type.Object({ id: Type.String(), question: Type.String(), code: Type.String(), message: Type.String() })),
});
