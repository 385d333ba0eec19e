import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ChatTool, ChatToolCall } from '../models/chat-types.js';

/**
 * The agentic pipeline's tools as the LLM sees them (JSON Schema through OpenAI tool calls), and the check of every
 * call it makes against them. Extra arguments are refused too: a model that invents one has misread the tool, and
 * being told so is how it learns to call it right.
 */

const Strict = { additionalProperties: false } as const;

/** How passages are named to the model: p1, p2, ... in the order they were first shown. */
export const PASSAGE_ID = /^p[1-9][0-9]*$/;

export const SearchArgsSchema = Type.Object(
  { query: Type.String({ minLength: 1, maxLength: 1000, description: 'What to look for: a question, a name, or keywords' }) },
  Strict,
);

export const ReadArgsSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 512, description: 'A passage id from a search result (such as p3) to read its document, or a document id' }),
    focus: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'What to look for in the document; the question when left out' })),
  },
  Strict,
);

export const AnswerArgsSchema = Type.Object(
  {
    // Not blank: an answer of spaces would be taken for an answer, confident and empty.
    answer: Type.String({ minLength: 1, maxLength: 4000, pattern: '\\S', description: 'The final answer; only the fact itself when the question asks for one' }),
    citations: Type.Array(Type.String({ pattern: PASSAGE_ID.source, description: 'A passage id, such as p3' }), {
      maxItems: 20,
      description: 'Ids of the passages that support the answer',
    }),
  },
  Strict,
);

export type SearchArgs = Static<typeof SearchArgsSchema>;
export type ReadArgs = Static<typeof ReadArgsSchema>;
export type AnswerArgs = Static<typeof AnswerArgsSchema>;

/** A call that passed the checks. */
export type AgentCall = { tool: 'search'; args: SearchArgs } | { tool: 'read'; args: ReadArgs } | { tool: 'answer'; args: AnswerArgs };

export type CheckedCall = { ok: true; call: AgentCall } | { ok: false; error: string; args: Record<string, unknown> | string };

const SCHEMAS = { search: SearchArgsSchema, read: ReadArgsSchema, answer: AnswerArgsSchema } as const;
type ToolName = keyof typeof SCHEMAS;

const EXAMPLES: Record<ToolName, string> = {
  search: '{"query": "..."}',
  read: '{"id": "p3"} or {"id": "p3", "focus": "..."}',
  answer: '{"answer": "...", "citations": ["p1"]}',
};

export const AGENT_TOOLS: ChatTool[] = [
  tool('search', 'Search the document collection. Returns the best passages, each with an id (p1, p2, ...), its document and the start of its text.', SearchArgsSchema),
  tool('read', 'Read a document: the parts of it that matter for the focus, within a token budget. Give a passage id to read the document it comes from.', ReadArgsSchema),
  tool('answer', 'Give the final answer, with the ids of the passages that support it. Ends the search.', AnswerArgsSchema),
];

function tool(name: ToolName, description: string, schema: TSchema): ChatTool {
  // The schema as plain JSON Schema: TypeBox's own markers are symbols, which JSON leaves out anyway.
  return { name, description, parameters: JSON.parse(JSON.stringify(schema)) as Record<string, unknown> };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a tool call: a known tool, arguments that are a JSON object, and that object valid for the tool. */
export function checkToolCall(call: ChatToolCall): CheckedCall {
  let parsed: unknown;
  try {
    parsed = JSON.parse(call.arguments.trim() === '' ? '{}' : call.arguments);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, args: call.arguments, error: `the arguments are not valid JSON (${reason})${isTool(call.name) ? `; send an object such as ${EXAMPLES[call.name]}` : ''}` };
  }
  const args = isObject(parsed) ? parsed : call.arguments;
  if (!isTool(call.name)) return { ok: false, args, error: `there is no tool "${call.name}"; the tools are search, read and answer` };
  if (!isObject(parsed)) return { ok: false, args, error: `the arguments must be a JSON object such as ${EXAMPLES[call.name]}` };
  const schema = SCHEMAS[call.name];
  const first = Value.Errors(schema, parsed).First();
  if (first !== undefined) {
    const where = first.path === '' ? '' : `${first.path.replace(/^\//, '').replace(/\//g, '.')}: `;
    return { ok: false, args, error: `invalid arguments for ${call.name}: ${where}${first.message}; expected ${EXAMPLES[call.name]}` };
  }
  // The schema was checked just above, so the object has the tool's shape.
  return { ok: true, call: { tool: call.name, args: parsed } as AgentCall };
}

function isTool(name: string): name is ToolName {
  return Object.hasOwn(SCHEMAS, name);
}
