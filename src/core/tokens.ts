/**
 * Token count estimate for budgets when no tokenizer is configured. Calibrated against BPE tokenizers
 * (cl100k/Llama-3) on English prose: about 1.3 tokens per word, punctuation and digits counting extra.
 */
export function estimateTokens(text: string): number {
  if (text.length === 0) return 0;
  const wordCount = text.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
  const symbolCount = text.match(/[^\s\p{L}\p{N}]/gu)?.length ?? 0;
  return Math.max(1, Math.ceil(wordCount * 1.3 + symbolCount * 0.5));
}
