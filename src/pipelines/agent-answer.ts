import type { ReaderResult } from '../core/types.js';
import { parseAnswer } from '../models/answer-prompt.js';
import type { ChatResult, TokenLogprob } from '../models/chat-types.js';
import { tokenStats, tokensInRange, tokensWriting } from '../models/token-entropy.js';
import type { AgentEvidence } from './agent-evidence.js';
import type { AnswerArgs } from './agent-tools.js';

/** The LLM's final answer as a reader's result, and where its uncertainty came from. */
export interface AgentAnswer {
  read: ReaderResult;
  entropySource: 'answer-tokens' | 'unknown';
}

/** "[p3]", "[p1, p2]": how a plain-text reply cites passages. */
const ID_MARKER = /\s*\[(p[1-9][0-9]*(?:\s*,\s*p[1-9][0-9]*)*)\]/g;

/**
 * The answer tool's call: its text, its citations as [n] numbers, and its uncertainty from the tokens that wrote
 * the answer inside the call (ids were checked against the evidence before).
 */
export function toolAnswer(args: AnswerArgs, reply: ChatResult, evidence: AgentEvidence): AgentAnswer {
  const tokens = reply.tokens && reply.tokens.length > 0 ? tokensWriting(reply.tokens, args.answer) : undefined;
  return answerOf(args.answer.trim(), numbers(args.citations, evidence), tokens);
}

/** A reply in plain text, with no tool call: the model's way of answering too. Its marked final answer, if any. */
export function textAnswer(reply: ChatResult, evidence: AgentEvidence): AgentAnswer {
  const parsed = parseAnswer(reply.text);
  const ids = [...reply.text.matchAll(ID_MARKER)].flatMap((m) => (m[1] ?? '').split(',').map((s) => s.trim()));
  const text = parsed.text.replace(ID_MARKER, '').trim();
  const tokens = reply.tokens && reply.tokens.length > 0 ? tokensInRange(reply.tokens, reply.text, parsed.start, parsed.end) : undefined;
  return answerOf(text, numbers(ids, evidence), tokens);
}

function numbers(ids: readonly string[], evidence: AgentEvidence): number[] {
  const cited = ids.flatMap((id) => {
    const n = evidence.numberOf(id);
    return n === undefined ? [] : [n];
  });
  return [...new Set(cited)].sort((a, b) => a - b);
}

/**
 * As the LLM generator reports it: prob = exp(mean logprob) of the answer's tokens, entropy the mean entropy of
 * their top-k alternatives. Without log-probabilities nothing is known of the model's certainty: the answer is
 * reported as a coin flip against "some other answer" (prob 0.5, normalised entropy 1, the most uncertain), so an
 * ensemble weighs it least, and the source says "unknown".
 */
function answerOf(text: string, citations: number[], tokens: TokenLogprob[] | undefined): AgentAnswer {
  if (tokens === undefined || tokens.length === 0) {
    return { read: { candidates: [{ text, prob: 0.5, citations }], entropy: Math.LN2, normalizedEntropy: 1 }, entropySource: 'unknown' };
  }
  const stats = tokenStats(tokens);
  return {
    read: { candidates: [{ text, prob: Number(Math.exp(stats.meanLogprob).toFixed(6)), citations }], entropy: stats.meanEntropy, normalizedEntropy: stats.meanNormalizedEntropy },
    entropySource: 'answer-tokens',
  };
}
