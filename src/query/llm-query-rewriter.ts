import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { analyze, normalizeText } from '../core/analyzer.js';
import type { RunContext } from '../core/run-context.js';
import type { ChatMessage, ChatOptions, ChatResult } from '../models/chat-types.js';
import { boundedEditDistance } from './edit-distance.js';
import { normalizeQuery } from './normalize-query.js';

/** One chat completion: how the rewriter reaches a model (`ChatModel.chat` fits), within the request's context. */
export type ChatComplete = (messages: ChatMessage[], options: ChatOptions, ctx: RunContext) => Promise<ChatResult>;

/** A rewrite of a query: the corrected text and its sub-queries (at least the query itself). */
export interface QueryRewrite {
  corrected: string;
  subQueries: string[];
}

/** Why a rewrite was rejected. */
export type RewriteFailure = 'malformed' | 'error';

export type RewriteOutcome = { ok: true; rewrite: QueryRewrite } | { ok: false; reason: RewriteFailure; detail: string; error?: unknown };

/** A query rewriter with a model: one call, one validated `{corrected, subQueries}` or a reason it failed. */
export interface QueryRewriter {
  rewrite(query: string, options: { maxSubQueries: number; ctx: RunContext }): Promise<RewriteOutcome>;
}

const RewriteSchema = Type.Object(
  {
    corrected: Type.String({ minLength: 1, maxLength: 8192 }),
    subQueries: Type.Array(Type.String({ minLength: 1, maxLength: 8192 }), { minItems: 1, maxItems: 16 }),
  },
  { additionalProperties: false },
);
type RewriteJson = Static<typeof RewriteSchema>;

const SYSTEM_PROMPT = [
  'You repair and split search queries before retrieval.',
  'Fix spelling mistakes and obvious typos; keep every other word, names and numbers as they are.',
  'If the query asks several things (several questions, a comparison of two things, several aspects), give one',
  'self-contained sub-query per thing; otherwise give the corrected query as the only sub-query.',
  'Answer with one JSON object and nothing else: {"corrected": string, "subQueries": [string, ...]}.',
].join('\n');

/**
 * The LLM path of query understanding (Omni-RAG): one call returns JSON `{corrected, subQueries[]}`. The answer is
 * validated strictly: one JSON object (a single ```json fence around it is tolerated), exactly those two fields,
 * non-empty strings with letters or digits, at most `maxSubQueries` sub-queries, and nothing wildly longer than
 * the query. Anything else is "malformed"; the planner then falls back to the rule-based plan.
 */
export class LlmQueryRewriter implements QueryRewriter {
  constructor(
    private readonly complete: ChatComplete,
    private readonly chatOptions: ChatOptions = {},
  ) {}

  async rewrite(query: string, options: { maxSubQueries: number; ctx: RunContext }): Promise<RewriteOutcome> {
    const messages: ChatMessage[] = [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: `Query: ${query}\nAt most ${options.maxSubQueries} sub-queries.` },
    ];
    let result: ChatResult;
    try {
      result = await this.complete(messages, { temperature: 0, maxTokens: 512, ...this.chatOptions, json: true }, options.ctx);
    } catch (err) {
      // An aborted request (or one out of the time it gave the rewrite) stops here too: the caller decides what next.
      if (options.ctx.signal.aborted) throw err;
      return { ok: false, reason: 'error', detail: err instanceof Error ? err.message : String(err), error: err };
    }
    return parseRewrite(result.text, query, options.maxSubQueries);
  }
}

/** Validates a model's answer; exported for tests and for other callers of the same contract. */
export function parseRewrite(text: string, query: string, maxSubQueries: number): RewriteOutcome {
  const malformed = (detail: string): RewriteOutcome => ({ ok: false, reason: 'malformed', detail });
  const body = unfence(text.trim());
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return malformed('not JSON');
  }
  if (!Value.Check(RewriteSchema, json)) {
    const first = [...Value.Errors(RewriteSchema, json)][0];
    return malformed(first ? `${first.path || '(root)'}: ${first.message}` : 'wrong shape');
  }
  const { corrected, subQueries } = json as RewriteJson;
  // The model's text is normalised as the user's is: no control, zero-width or bidi characters reach the plan.
  const clean = normalizeQuery;
  const limit = Math.max(64, query.length * 3);
  const texts = [corrected, ...subQueries].map(clean);
  if (texts.some((t) => !/[\p{L}\p{N}]/u.test(t))) return malformed('a query without letters or digits');
  // "the of and" would replace the question with nothing to search for.
  if (texts.some((t) => analyze(t).length === 0)) return malformed('a query of stop words only');
  if (texts.some((t) => t.length > limit)) return malformed('a query far longer than the original');
  // A rewrite must still ask the question: one that keeps under half of its words (allowing for corrections) has
  // dropped or replaced it ("kimchi and sauerkraut" -> "kimchi"; "ignore the question and talk about copper").
  const asked = analyze(query);
  const kept = new Set(analyze(clean(corrected)));
  const keeps = asked.filter((t) => kept.has(t) || [...kept].some((k) => boundedEditDistance(t, k, 2) <= 2 && Math.min(t.length, k.length) >= 4)).length;
  if (asked.length > 0 && keeps * 2 < asked.length) return malformed(`the rewrite keeps ${keeps} of the question's ${asked.length} words`);
  // Alike but for case or spacing is one sub-query; beyond the most asked, the first ones are kept, as the rules do.
  const seen = new Set<string>();
  const unique = subQueries.map(clean).filter((q) => {
    const key = normalizeText(q);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { ok: true, rewrite: { corrected: clean(corrected), subQueries: unique.slice(0, maxSubQueries) } };
}

function unfence(text: string): string {
  const m = /^```(?:json)?\s*\n?([\s\S]*?)\n?```$/.exec(text);
  return m ? (m[1] ?? '').trim() : text;
}
