import type { RunContext } from '../core/run-context.js';
import { budgetBefore, standInFor } from '../core/stand-in.js';
import type { ScoredChunk } from '../core/types.js';
import type { ChatModel } from '../models/chat-model.js';
import type { ChatMessage } from '../models/chat-types.js';
import { Reranker, keepRetrievalOrder } from './reranker.js';

export interface LlmRerankerOptions {
  /** How many of the first chunks the LLM ranks (one prompt holds them all); the rest follow in their order. */
  window: number;
  /** Characters of each passage shown to the LLM. */
  passageChars: number;
  /**
   * With `llm.fallback: extractive`: the LLM is given up on `reserveMs` before the request's deadline, and when it
   * does not answer by then (a hung server) or is unavailable, the retrieval order stands and the answer is
   * flagged `degraded`; without it, those are the request's errors.
   */
  fallback?: { reserveMs: number };
}

const SYSTEM = [
  'You rank passages by how well they answer a query.',
  'Reply with a JSON object only, of the form {"ranking": [3, 1, 2]}: the passage numbers, the most relevant first.',
  'List every passage that helps answer the query; leave out those that do not.',
].join('\n');

/**
 * Listwise LLM reranking (RankGPT-style): the LLM sees the query and the numbered passages at once and returns
 * their order as JSON. The ranking is validated (integers naming passages, none twice); passages it leaves out
 * follow in their input order. A reply that is not a valid ranking keeps the input order, and says so: a
 * `rerank.llm.ranking` span with `fallback: true` and the problem, a warning in the log, and `degraded` (reason
 * `llm malformed`). A server that hangs
 * or is down keeps the input order too when `fallback` is set (the answer says so in `degraded`), else it is the
 * request's error.
 */
export class LlmReranker extends Reranker {
  readonly name = 'llm';

  constructor(
    private readonly chat: ChatModel,
    private readonly options: LlmRerankerOptions,
  ) {
    super();
  }

  protected async doRerank(query: string, chunks: ScoredChunk[], options: { k: number }, ctx: RunContext): Promise<ScoredChunk[]> {
    if (chunks.length <= 1) return chunks.slice(0, options.k);
    const head = chunks.slice(0, this.options.window);
    const messages = rankingMessages(query, head, this.options.passageChars);
    const settings = { temperature: 0, json: true, maxTokens: 32 + 6 * head.length };
    const fallback = this.options.fallback;
    const budget = fallback ? budgetBefore(ctx, fallback.reserveMs) : undefined;
    let reply;
    try {
      reply = await this.chat.chat(messages, settings, fallback ? ctx.child(budget) : ctx);
    } catch (err) {
      const degraded = fallback
        ? standInFor(err, ctx, { stage: 'rerank', primary: 'llm', fallback: 'retrieval order', budgetMs: budget, reserveMs: fallback.reserveMs, keptFor: 'the rest', who: 'the LLM reranker' })
        : null;
      if (!degraded) throw err;
      ctx.degradations.push(degraded);
      ctx.log.warn({ ...degraded }, `${degraded.reason}: the LLM reranker kept the retrieval order`);
      ctx.trace.record('rerank.llm.ranking', ctx.trace.now(), { fallback: true, warning: degraded.message });
      return keepRetrievalOrder(chunks, options.k);
    }
    const start = ctx.trace.now();
    const parsed = parseRanking(reply.text, head.length);
    if (!parsed.ok) {
      const warning = `malformed ranking (${parsed.problem}); kept the input order`;
      ctx.log.warn({ reranker: this.name, problem: parsed.problem, reply: reply.text.slice(0, 200) }, `LLM reranker: ${warning}`);
      ctx.trace.record('rerank.llm.ranking', start, { fallback: true, warning });
      // The answer says so too (and is not cached: the next try may rank): in an ensemble of rerankers this member
      // had no vote, which the ensemble's note named only for members whose server failed.
      ctx.degradations.push({ stage: 'rerank', reason: 'llm malformed', fallback: 'retrieval order', message: `the LLM reranker's reply was a ${warning}` });
      return keepRetrievalOrder(chunks, options.k);
    }
    const ranked = new Set(parsed.ranking);
    const order = [...parsed.ranking, ...head.map((_, i) => i + 1).filter((n) => !ranked.has(n))];
    const reordered = [...order.map((n) => head[n - 1] as ScoredChunk), ...chunks.slice(head.length)];
    ctx.trace.record('rerank.llm.ranking', start, { fallback: false, ranked: parsed.ranking.length, of: head.length });
    // Scores follow the new order (1 for the first, falling evenly): the LLM gives an order, not relevance grades.
    return reordered.slice(0, options.k).map((c, i) => ({ ...c, score: (reordered.length - i) / reordered.length, source: this.name }));
  }
}

export function rankingMessages(query: string, chunks: readonly ScoredChunk[], passageChars: number): ChatMessage[] {
  const passages = chunks.map((c, i) => {
    const where = [c.title, ...(c.headingPath ?? [])].filter((s): s is string => Boolean(s && s.trim())).join(' > ');
    return `[${i + 1}]${where ? ` ${where}:` : ''} ${cut(c.text.replace(/\s+/g, ' ').trim(), passageChars)}`;
  });
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `Query: ${query}\n\nPassages:\n${passages.join('\n')}\n\nRank the ${chunks.length} passages for the query. JSON only.` },
  ];
}

export type ParsedRanking = { ok: true; ranking: number[] } | { ok: false; problem: string };

/** Reads `{"ranking": [...]}` (code fences and text around the object tolerated) naming passages 1..count. */
export function parseRanking(text: string, count: number): ParsedRanking {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text)?.[1] ?? text;
  const from = fenced.indexOf('{');
  const to = fenced.lastIndexOf('}');
  if (from < 0 || to < from) return { ok: false, problem: 'no JSON object in the reply' };
  let json: unknown;
  try {
    json = JSON.parse(fenced.slice(from, to + 1));
  } catch (err) {
    return { ok: false, problem: `not valid JSON: ${(err as Error).message}` };
  }
  const ranking = typeof json === 'object' && json !== null && 'ranking' in json ? json.ranking : undefined;
  if (!Array.isArray(ranking)) return { ok: false, problem: 'no "ranking" array' };
  if (ranking.length === 0) return { ok: false, problem: 'the ranking is empty' };
  const seen = new Set<number>();
  for (const n of ranking) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > count) return { ok: false, problem: `${JSON.stringify(n)} is not a passage number 1..${count}` };
    if (seen.has(n)) return { ok: false, problem: `passage ${n} is ranked twice` };
    seen.add(n);
  }
  return { ok: true, ranking: [...seen] };
}

function cut(text: string, chars: number): string {
  if (text.length <= chars) return text;
  const at = text.lastIndexOf(' ', chars);
  return `${text.slice(0, at > chars / 2 ? at : chars)}…`;
}
