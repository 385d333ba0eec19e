import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/config.js';
import type { Passage, ReaderResult } from '../../../src/core/types.js';
import { NO_ANSWER, pipelineResult } from '../../../src/pipelines/pipeline-result.js';

const passages: Passage[] = [{ chunkId: 'k#0', docId: 'k', text: 'The kettle boils water in about three minutes.', score: 1, tokens: 10 }];
const pipeline = (abstainAbove: number) => validateConfig({ pipelines: { default: { kind: 'sequential', abstainAbove } } }).pipelines['default']!;
/** One candidate of probability p, the rest "none of these" for want of evidence, as the extractive reader gives it. */
const read = (p: number): ReaderResult => ({
  candidates: [{ text: 'The kettle boils water in about three minutes.', prob: p, citations: [1] }],
  entropy: 0.68,
  normalizedEntropy: Math.min(1, -(p * Math.log(p) + (1 - p) * Math.log(1 - p)) / Math.log(2)),
  unsupported: 1 - p,
});

describe('pipelineResult', () => {
  it('abstains when "none of these" is likelier than the candidates together, and only then: the spread is the candidates\' own', () => {
    // Before, the entropy with "none" among its outcomes decided: p = 0.56 abstained (0.99) while p = 0.3 answered.
    expect(pipelineResult('default', pipeline(0.98), read(0.56), passages)).toMatchObject({ abstained: false, confidence: 0.56 });
    // An abstention answers nothing, so it is sure of nothing: its best guess stays among the candidates.
    expect(pipelineResult('default', pipeline(0.98), read(0.3), passages)).toMatchObject({ abstained: true, answer: NO_ANSWER, confidence: 0 });
    expect(pipelineResult('default', pipeline(0.98), read(0.3), passages).candidates[0]?.prob).toBe(0.3);
    expect(pipelineResult('default', pipeline(0.98), read(0.45), passages).abstained).toBe(true);
    // Two candidates sharing 0.6 against "none" at 0.4: the evidence covers most of the question, and it answers.
    const two: ReaderResult = {
      candidates: [
        { text: 'The kettle boils water in about three minutes.', prob: 0.35, citations: [1] },
        { text: 'It whistles.', prob: 0.25, citations: [1] },
      ],
      entropy: 1,
      normalizedEntropy: 0.98,
      unsupported: 0.4,
    };
    expect(pipelineResult('default', pipeline(0.98), two, passages).abstained).toBe(false);
  });

  it('with no candidate at all abstains as knowing nothing: normalised entropy 1, whatever the reader said', () => {
    const nothing: ReaderResult = { candidates: [], entropy: 0, normalizedEntropy: 0 };
    expect(pipelineResult('member', pipeline(1), nothing, passages)).toMatchObject({ abstained: true, confidence: 0, normalizedEntropy: 1, answer: NO_ANSWER });
  });

  it('never abstains with abstainAbove 1, as an ensemble member is configured', () => {
    expect(pipelineResult('member', pipeline(1), read(0.2), passages).abstained).toBe(false);
  });

  it('keeps the entropy rule for readers without a support share (the LLM generator)', () => {
    const llm: ReaderResult = { candidates: [{ text: 'Paris', prob: 0.3, citations: [1] }], entropy: 1, normalizedEntropy: 0.99 };
    expect(pipelineResult('llm', pipeline(0.98), llm, passages).abstained).toBe(true);
    expect(pipelineResult('llm', pipeline(0.98), { ...llm, normalizedEntropy: 0.5 }, passages).abstained).toBe(false);
  });

  it('carries the reader\'s "none of these" share, for an ensemble to vote with', () => {
    expect(pipelineResult('member', pipeline(1), read(0.56), passages).unsupported).toBeCloseTo(0.44, 10);
    const llm: ReaderResult = { candidates: [{ text: 'Paris', prob: 0.3, citations: [1] }], entropy: 1, normalizedEntropy: 0.5 };
    expect(pipelineResult('llm', pipeline(0.98), llm, passages)).not.toHaveProperty('unsupported');
  });
});
