import { Type, type Static } from '@sinclair/typebox';
import { CONTEXT_TOKENS } from '../../core/config-schema.js';
import { CandidateSchema, CitationSchema, DegradedSchema, MetadataFilter, PassageSchema, PlanSchema, TraceSchema, kField, queryField } from './common.js';

export const queryBodySchema = (limits: { maxQueryChars: number; maxK: number }) => {
  return Type.Object(
    {
      query: queryField(limits.maxQueryChars),
      pipeline: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'A configured pipeline; the default when left out' })),
      ensemble: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'A configured ensemble instead of a pipeline (not both)' })),
      k: Type.Optional(kField(limits.maxK, 'Chunks to retrieve (overrides the pipeline setting)')),
      filter: Type.Optional(MetadataFilter),
      contextTokens: Type.Optional(Type.Integer({ minimum: CONTEXT_TOKENS.min, maximum: CONTEXT_TOKENS.max, description: 'Token budget of the context' })),
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

/** The agentic pipeline's tool loop: how it ended, and every tool call it made. */
const AgentSchema = Type.Object({
  stopReason: Type.Union([Type.Literal('answered'), Type.Literal('step-limit'), Type.Literal('malformed-calls')], {
    description: 'answered: the LLM gave its answer; otherwise the loop was stopped and `fallback` answered from the evidence',
  }),
  steps: Type.Array(
    Type.Object({
      step: Type.Integer({ description: 'The LLM call that made it' }),
      tool: Type.String(),
      args: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.String()], { description: 'The arguments, or their raw text when not a JSON object' }),
      ms: Type.Number(),
      ok: Type.Boolean(),
      error: Type.Optional(Type.String({ description: 'Why the call was refused (what the LLM was told)' })),
      passages: Type.Optional(Type.Integer({ description: 'Passages it added to the evidence' })),
    }),
  ),
  llmCalls: Type.Integer(),
  malformedCalls: Type.Integer(),
  entropySource: Type.Union([Type.Literal('answer-tokens'), Type.Literal('reader'), Type.Literal('unknown')], {
    description: "answer-tokens: the answer's token log-probabilities; reader: the fallback reader's; unknown: none (reported as the most uncertain)",
  }),
  fallback: Type.Optional(Type.String({ description: 'The reader that answered when the loop stopped without an answer' })),
});

export const QueryResponseSchema = Type.Object({
  answer: Type.String(),
  generated: Type.Optional(
    Type.String({ description: "The LLM's whole reply, when `answer` is its marked final line (\"Answer: ...\") after reasoning: what the stream's tokens showed" }),
  ),
  confidence: Type.Number({ description: 'Probability of the answer under the pipeline distribution; 0 when it abstained (its best guess stays in candidates)' }),
  abstained: Type.Boolean({ description: 'True when the evidence was too weak to answer' }),
  pipeline: Type.String(),
  plan: PlanSchema,
  candidates: Type.Array(CandidateSchema),
  entropy: Type.Number(),
  normalizedEntropy: Type.Number(),
  unsupported: Type.Optional(
    Type.Number({ description: 'The probability left to "none of these": the passages miss part of the question (extractive readers, and ensembles of them)' }),
  ),
  citations: Type.Array(CitationSchema),
  passages: Type.Array(PassageSchema),
  agent: Type.Optional(AgentSchema),
  trace: TraceSchema,
  cached: Type.Optional(Type.Boolean({ description: 'Served from the cache (same request, same index version)' })),
  degraded: Type.Optional(DegradedSchema),
  ensemble: Type.Optional(Type.String({ description: 'The ensemble that answered, when one was asked for' })),
  mode: Type.Optional(
    Type.Union([Type.Literal('vote'), Type.Literal('generative')], {
      description: 'Which mode wrote the answer: "vote", or "generative" (an LLM read every member\'s passages and answer); a generative ensemble whose LLM failed says "vote"',
    }),
  ),
  aggregation: Type.Optional(
    Type.Object(
      {
        fallback: Type.Boolean({ description: 'The LLM failed, timed out or wrote nothing: the answer is the vote\'s' }),
        note: Type.Optional(Type.String({ description: 'Why it fell back' })),
        passages: Type.Integer({ description: 'Passages the LLM read: the members\', each chunk once, within the budget' }),
        answer: Type.Optional(Type.String({ description: 'The LLM\'s answer' })),
        confidence: Type.Optional(Type.Number({ description: 'exp(mean log-probability) of the LLM\'s answer tokens' })),
        normalizedEntropy: Type.Optional(Type.Number({ description: 'Mean normalised top-k entropy of the LLM\'s answer tokens' })),
        weight: Type.Optional(Type.Number({ description: 'The LLM\'s weight as one more voter, exp(-beta * H) normalised with the members\'' })),
        memberSupport: Type.Optional(Type.Number({ description: 'The members\' share of the vote for the LLM\'s answer' })),
      },
      { description: 'Generative ensembles: how the answer was written' },
    ),
  ),
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
        unsupported: Type.Optional(Type.Number({ description: 'The member\'s probability of "none of these"' })),
        ms: Type.Number(),
        degraded: Type.Optional(DegradedSchema),
      }),
    ),
  ),
  winner: Type.Optional(Type.Union([ClusterSchema, Type.Null()])),
  distribution: Type.Optional(Type.Array(ClusterSchema)),
  dropped: Type.Optional(Type.Array(Type.Object({ pipeline: Type.String(), code: Type.String(), note: Type.String() }))),
});
