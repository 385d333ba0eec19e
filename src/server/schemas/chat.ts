import { Type, type Static } from '@sinclair/typebox';
import { DegradedSchema } from './common.js';

const TextPart = Type.Object({ type: Type.Literal('text'), text: Type.String() }, { additionalProperties: true });

/** OpenAI's request shape. Unknown sampling fields are accepted and ignored, as OpenAI-compatible servers do. */
export const ChatRequestSchema = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 128, description: 'A pipeline name (GET /v1/models lists them)' }),
    messages: Type.Array(
      Type.Object(
        {
          role: Type.Union([Type.Literal('system'), Type.Literal('developer'), Type.Literal('user'), Type.Literal('assistant'), Type.Literal('tool')]),
          content: Type.Union([Type.String(), Type.Array(TextPart), Type.Null()]),
        },
        { additionalProperties: true },
      ),
      { minItems: 1, maxItems: 200 },
    ),
    stream: Type.Optional(Type.Boolean()),
    stream_options: Type.Optional(
      Type.Object({ include_usage: Type.Optional(Type.Boolean({ description: 'A last chunk with `usage` and no choices, before [DONE]' })) }, { additionalProperties: true }),
    ),
    // One answer per question: a pipeline has one. Refused above 1 rather than silently answered with one choice.
    n: Type.Optional(Type.Integer({ minimum: 1, maximum: 1, description: 'Only 1: a pipeline gives one answer' })),
  },
  { additionalProperties: true },
);
export type ChatRequest = Static<typeof ChatRequestSchema>;

export const ChatCitationSchema = Type.Object({
  n: Type.Integer(),
  chunkId: Type.String(),
  docId: Type.String(),
  title: Type.Optional(Type.String()),
  headingPath: Type.Optional(Type.Array(Type.String())),
});

export const ChatCompletionSchema = Type.Object({
  id: Type.String(),
  object: Type.Literal('chat.completion'),
  created: Type.Integer(),
  model: Type.String(),
  choices: Type.Array(
    Type.Object({
      index: Type.Integer(),
      message: Type.Object({ role: Type.Literal('assistant'), content: Type.String() }),
      finish_reason: Type.String(),
    }),
  ),
  usage: Type.Object({ prompt_tokens: Type.Integer(), completion_tokens: Type.Integer(), total_tokens: Type.Integer() }),
  citations: Type.Array(ChatCitationSchema, { description: 'What the [n] markers in the content point at' }),
  confidence: Type.Number(),
  degraded: Type.Optional(DegradedSchema),
});

export const ModelSchema = Type.Object({
  id: Type.String(),
  object: Type.Literal('model'),
  created: Type.Integer(),
  owned_by: Type.String(),
  kind: Type.Union([Type.Literal('pipeline'), Type.Literal('ensemble')], { description: 'Send its name as `pipeline` or `ensemble`' }),
});

export const ModelListSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(ModelSchema),
});
