import { Type, type Static } from '@sinclair/typebox';
import { DegradedSchema } from './common.js';

/** Parts of any type pass the schema so that the route can name a non-text one it refuses ("image_url"). */
const ContentPart = Type.Object({ type: Type.String(), text: Type.Optional(Type.String()) }, { additionalProperties: true });

/**
 * OpenAI's request shape. Sampling fields (temperature, max_tokens, stop, seed, ...) are accepted and ignored, as
 * OpenAI-compatible servers do; fields asking for another kind of reply (tools, response_format, logprobs) are
 * refused by the route.
 */
export const ChatRequestSchema = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 128, description: 'A pipeline or ensemble name (GET /v1/models lists them)' }),
    messages: Type.Array(
      Type.Object(
        {
          role: Type.Union([Type.Literal('system'), Type.Literal('developer'), Type.Literal('user'), Type.Literal('assistant'), Type.Literal('tool')]),
          content: Type.Union([Type.String(), Type.Array(ContentPart), Type.Null()]),
        },
        { additionalProperties: true },
      ),
      { minItems: 1, maxItems: 200 },
    ),
    // null as absent, as OpenAI's API and vLLM take it (proxies forward unset fields so).
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    stream_options: Type.Optional(
      Type.Union([
        Type.Object({ include_usage: Type.Optional(Type.Boolean({ description: 'A last chunk with `usage` and no choices, before [DONE]' })) }, { additionalProperties: true }),
        Type.Null(),
      ]),
    ),
    // One answer per question: a pipeline has one. Refused above 1 rather than silently answered with one choice.
    n: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1, description: 'Only 1: a pipeline gives one answer' }), Type.Null()])),
    // Named so that they are refused with a reason (400, the field as `param`) rather than ignored.
    tools: Type.Optional(Type.Unknown({ description: 'Refused unless empty: a pipeline answers in text' })),
    tool_choice: Type.Optional(Type.Unknown({ description: 'Only "none" or "auto"' })),
    functions: Type.Optional(Type.Unknown({ description: 'Refused unless empty' })),
    function_call: Type.Optional(Type.Unknown({ description: 'Only "none" or "auto"' })),
    response_format: Type.Optional(Type.Unknown({ description: 'Only {"type": "text"}' })),
    logprobs: Type.Optional(Type.Unknown({ description: 'Refused when true: see `confidence`' })),
    top_logprobs: Type.Optional(Type.Unknown({ description: 'Refused' })),
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
  question: Type.String({ description: 'The question answered: the last user message, with the topic of earlier ones when it refers back' }),
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
