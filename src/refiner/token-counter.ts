import { estimateTokens } from '../core/tokens.js';

/** Counts the tokens of a text for budgets: a real tokenizer when one is configured, the calibrated estimate else. */
export interface TokenCounter {
  readonly name: string;
  count(text: string): number;
}

export const estimateTokenCounter: TokenCounter = { name: 'estimate', count: estimateTokens };
