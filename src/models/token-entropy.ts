import type { TokenLogprob } from './chat-types.js';
import { entropy, normalizedEntropy, softmax } from './entropy.js';

/** Uncertainty of a generated sequence from its tokens' log-probabilities. */
export interface TokenStats {
  tokens: number;
  /** Mean over tokens of the entropy (nats) of the top-k alternatives, renormalised to sum to 1. */
  meanEntropy: number;
  /** Mean over tokens of that entropy divided by log(k), its maximum: 0 certain, 1 uniform over the top k. */
  meanNormalizedEntropy: number;
  /** log of the sequence probability: the sum of the chosen tokens' log-probabilities. */
  sumLogprob: number;
  /** sumLogprob / tokens: the log of the per-token geometric mean probability. */
  meanLogprob: number;
}

/**
 * The server gives only the top k alternatives of each token, so the entropy is that of the top-k distribution
 * renormalised (a softmax of the log-probabilities), a lower bound on the full one; k = 1 gives 0 by construction.
 */
export function tokenStats(tokens: readonly TokenLogprob[]): TokenStats {
  if (tokens.length === 0) return { tokens: 0, meanEntropy: 0, meanNormalizedEntropy: 0, sumLogprob: 0, meanLogprob: 0 };
  let h = 0;
  let hNorm = 0;
  let sum = 0;
  for (const t of tokens) {
    const alternatives = t.top.map((a) => a.logprob).filter(Number.isFinite);
    const probs = softmax(alternatives.length > 0 ? alternatives : [0]);
    h += entropy(probs);
    hNorm += normalizedEntropy(probs);
    // A server's rounding can give a logprob a little above 0; a probability above 1 is none.
    sum += Math.min(0, t.logprob);
  }
  return { tokens: tokens.length, meanEntropy: h / tokens.length, meanNormalizedEntropy: hNorm / tokens.length, sumLogprob: sum, meanLogprob: sum / tokens.length };
}

/**
 * The tokens that wrote text[start, end): those overlapping the range, located by their lengths. When the tokens
 * do not spell the text (byte-level pieces of a multi-byte character, a server that trims), no mapping is safe
 * and all tokens are returned.
 */
export function tokensInRange(tokens: readonly TokenLogprob[], text: string, start: number, end: number): TokenLogprob[] {
  if (tokens.map((t) => t.token).join('') !== text) return [...tokens];
  const out: TokenLogprob[] = [];
  let at = 0;
  for (const t of tokens) {
    const next = at + t.token.length;
    if (next > start && at < end) out.push(t);
    at = next;
  }
  return out;
}

/**
 * The tokens that wrote `text` somewhere in a generation (its last occurrence): for an answer given inside a tool
 * call, whose tokens spell the call's JSON, where the text appears JSON-escaped. Undefined when the tokens do not
 * contain it (servers such as OpenAI give no log-probabilities for tool calls).
 */
export function tokensWriting(tokens: readonly TokenLogprob[], text: string): TokenLogprob[] | undefined {
  const spelled = tokens.map((t) => t.token).join('');
  for (const form of [JSON.stringify(text).slice(1, -1), text]) {
    const at = form.length > 0 ? spelled.lastIndexOf(form) : -1;
    if (at >= 0) return tokensInRange(tokens, spelled, at, at + form.length);
  }
  return undefined;
}
