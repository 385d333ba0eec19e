import { estimateTokens } from '../core/tokens.js';
import type { Passage, ScoredChunk } from '../core/types.js';

/**
 * Budgeted context selection: take chunks in rank order while they fit the token budget, skipping one that does
 * not fit so a smaller one further down can still use the room. The hierarchical refiner replaces this for long
 * documents; this is the baseline it is measured against.
 */
export function selectWithinBudget(
  chunks: readonly ScoredChunk[],
  budgetTokens: number,
  countTokens: (chunk: ScoredChunk) => number = (chunk) => estimateTokens(chunk.text),
): Passage[] {
  const out: Passage[] = [];
  let used = 0;
  for (const chunk of chunks) {
    const tokens = countTokens(chunk);
    if (used + tokens > budgetTokens) continue;
    used += tokens;
    const passage: Passage = { chunkId: chunk.id, docId: chunk.docId, text: chunk.text, score: chunk.score, tokens };
    if (chunk.title !== undefined) passage.title = chunk.title;
    if (chunk.headingPath !== undefined) passage.headingPath = chunk.headingPath;
    if (chunk.foundBy !== undefined) passage.foundBy = chunk.foundBy;
    out.push(passage);
  }
  const best = chunks[0];
  if (out.length === 0 && best) out.push(truncated(best, budgetTokens));
  return out;
}

/** The best chunk cut to the budget, at a word boundary, when not even it fits whole. */
function truncated(chunk: ScoredChunk, budgetTokens: number): Passage {
  const words = chunk.text.split(/\s+/);
  let lo = 1;
  let hi = words.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (estimateTokens(words.slice(0, mid).join(' ')) <= budgetTokens) lo = mid;
    else hi = mid - 1;
  }
  const text = words.slice(0, lo).join(' ');
  const passage: Passage = { chunkId: chunk.id, docId: chunk.docId, text, score: chunk.score, tokens: estimateTokens(text) };
  if (chunk.title !== undefined) passage.title = chunk.title;
  if (chunk.headingPath !== undefined) passage.headingPath = chunk.headingPath;
  if (chunk.foundBy !== undefined) passage.foundBy = chunk.foundBy;
  return passage;
}
