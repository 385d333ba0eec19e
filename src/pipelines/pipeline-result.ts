import type { PipelineConfig } from '../core/config.js';
import type { Candidate, Citation, Passage, PipelineResult, ReaderResult } from '../core/types.js';

export const NO_ANSWER = 'I could not find an answer to that in the indexed documents.';

/** A reader's result as a pipeline's: the best candidate, or an abstention when the distribution is too flat. */
export function pipelineResult(name: string, config: PipelineConfig, read: ReaderResult, passages: Passage[]): PipelineResult {
  const best = read.candidates[0];
  const abstained = best === undefined || read.normalizedEntropy > config.abstainAbove;
  const result: PipelineResult = {
    pipeline: name,
    answer: abstained ? NO_ANSWER : best.text,
    confidence: best?.prob ?? 0,
    candidates: read.candidates,
    entropy: read.entropy,
    normalizedEntropy: read.normalizedEntropy,
    passages,
    citations: abstained ? [] : citationsOf(best.citations, passages),
    abstained,
  };
  if (read.degraded) result.degraded = read.degraded;
  if (read.generated !== undefined && !abstained) result.generated = read.generated;
  return result;
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
