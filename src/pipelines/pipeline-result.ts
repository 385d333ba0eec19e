import type { PipelineConfig } from '../core/config.js';
import type { Candidate, Citation, Passage, PipelineResult, ReaderResult } from '../core/types.js';
import { normalizedEntropy } from '../models/entropy.js';

export const NO_ANSWER = 'I could not find an answer to that in the indexed documents.';

/**
 * A reader's result as a pipeline's: the best candidate, or an abstention (`abstains`).
 */
export function pipelineResult(name: string, config: PipelineConfig, read: ReaderResult, passages: Passage[]): PipelineResult {
  const best = read.candidates[0];
  const abstained = best === undefined || abstains(read.candidates.map((c) => c.prob), read, config.abstainAbove);
  const result: PipelineResult = {
    pipeline: name,
    answer: abstained ? NO_ANSWER : best.text,
    // The probability of the answer given: an abstention gives none (its best guess stays among the candidates).
    confidence: abstained ? 0 : best.prob,
    candidates: read.candidates,
    entropy: read.entropy,
    normalizedEntropy: uncertaintyOf(read),
    passages,
    citations: abstained ? [] : citationsOf(best.citations, passages),
    abstained,
  };
  if (read.unsupported !== undefined) result.unsupported = read.unsupported;
  if (read.degraded) result.degraded = read.degraded;
  if (read.generated !== undefined && !abstained) result.generated = read.generated;
  return result;
}

/**
 * A read's normalised entropy, and 1 when it has no candidate at all: nothing found is knowing nothing, not certainty
 * (an entropy of 0 there read as "sure" to clients, and weighed most in a vote).
 */
export function uncertaintyOf(read: Pick<ReaderResult, 'candidates' | 'normalizedEntropy'>): number {
  return read.candidates.length === 0 ? 1 : read.normalizedEntropy;
}

/**
 * Whether a distribution abstains at `abstainAbove`: its candidates (`probs`, every one) are too evenly spread, or
 * "none of these" (evidence missing part of the question) is likelier than all of them together, which means the
 * passages miss more than half of the question's weight. The spread is the candidates' own: with "none" among the
 * outcomes, one candidate at p = 0.5 would abstain and one at p = 0.3 answer. abstainAbove 1 never abstains, on
 * either count.
 */
export function abstains(probs: readonly number[], read: Pick<ReaderResult, 'normalizedEntropy' | 'unsupported'>, abstainAbove: number): boolean {
  const spread = read.unsupported === undefined ? read.normalizedEntropy : normalizedEntropy(renormalized(probs));
  return spread > abstainAbove || (read.unsupported !== undefined && abstainAbove < 1 && read.unsupported > 0.5);
}

export function citationsOf(numbers: number[], passages: readonly Passage[]): Citation[] {
  return numbers.flatMap((n) => {
    const p = passages[n - 1];
    if (!p) return [];
    const citation: Citation = { n, chunkId: p.chunkId, docId: p.docId };
    if (p.title !== undefined) citation.title = p.title;
    if (p.headingPath !== undefined) citation.headingPath = p.headingPath;
    return [citation];
  });
}

/** A candidate's [n] citations of its own passages as numbers of another list holding them (by chunk id); lost ones dropped. */
export function renumberCitations(c: Candidate, own: readonly Passage[], all: readonly Passage[]): Candidate {
  const citations = c.citations.flatMap((n) => {
    const id = own[n - 1]?.chunkId;
    const at = all.findIndex((p) => p.chunkId === id);
    return at >= 0 ? [at + 1] : [];
  });
  return { ...c, citations };
}

/** Probabilities scaled to sum to 1 (all zero stays all zero). */
function renormalized(probs: readonly number[]): number[] {
  const sum = probs.reduce((a, b) => a + b, 0);
  return sum > 0 ? probs.map((p) => p / sum) : [...probs];
}
