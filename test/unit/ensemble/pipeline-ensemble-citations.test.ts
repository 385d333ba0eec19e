import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/config.js';
import { RunContext } from '../../../src/core/run-context.js';
import type { Candidate, Passage, PipelineResult, QueryPlan } from '../../../src/core/types.js';
import { PipelineEnsemble } from '../../../src/ensemble/pipeline-ensemble.js';
import { Pipeline } from '../../../src/pipelines/pipeline.js';

const plan: QueryPlan = { original: 'who?', corrected: 'who?', corrections: [], subQueries: [] };
const passage = (id: string, text: string): Passage => ({ chunkId: `${id}#0`, docId: id, text, score: 1, tokens: 10 });

/** A member that answers from its own passages, in its own order, citing them by its own numbers. */
class Member extends Pipeline {
  readonly kind = 'fake';
  constructor(
    name: string,
    private readonly passages: Passage[],
    private readonly candidates: Candidate[],
    private readonly entropy: number,
  ) {
    super(name);
  }
  protected async doRun(): Promise<PipelineResult> {
    const best = this.candidates[0] as Candidate;
    return {
      pipeline: this.name,
      answer: best.text,
      confidence: best.prob,
      candidates: this.candidates,
      entropy: this.entropy,
      normalizedEntropy: this.entropy,
      passages: this.passages,
      citations: [],
      abstained: false,
    };
  }
}

const config = validateConfig({ ensembles: { e: { members: ['default'] } } }).ensembles['e']!;

describe('PipelineEnsemble citations', () => {
  it('numbers every candidate\'s citations in the passages the response returns', async () => {
    const paris = passage('paris', 'Paris is the capital of France.');
    const lyon = passage('lyon', 'Lyon is a city in France.');
    const e = new PipelineEnsemble('e', config, [
      // The surest member wins with Paris and its passages are returned: [paris, lyon].
      new Member('a', [paris, lyon], [{ text: 'Paris', prob: 0.95, citations: [1] }, { text: 'Lyon', prob: 0.05, citations: [2] }], 0.1),
      // It gives Lyon the most mass, citing Lyon as its passage 1 (its own order: [lyon, paris]).
      new Member('b', [lyon, paris], [{ text: 'Lyon', prob: 0.9, citations: [1] }, { text: 'Paris', prob: 0.1, citations: [2] }], 0.3),
    ]);
    const r = await e.run(plan, {}, new RunContext());
    expect(r.answer).toBe('Paris');
    expect(r.passages.map((p) => p.docId)).toEqual(['paris', 'lyon']);
    for (const c of r.candidates) {
      expect(c.citations.length).toBeGreaterThan(0);
      for (const n of c.citations) expect(r.passages[n - 1]?.text).toContain(c.text);
    }
  });

  it('cites the winning answer from another member when the one whose passages are returned cited nothing for it', async () => {
    const paris = passage('paris', 'Paris is the capital of France.');
    const lyon = passage('lyon', 'Lyon is a city in France.');
    const e = new PipelineEnsemble('e', config, [
      new Member('a', [paris, lyon], [{ text: 'Paris', prob: 0.95, citations: [] }, { text: 'Lyon', prob: 0.05, citations: [2] }], 0.1),
      new Member('b', [lyon, paris], [{ text: 'Paris', prob: 0.9, citations: [2] }, { text: 'Lyon', prob: 0.1, citations: [1] }], 0.3),
    ]);
    const r = await e.run(plan, {}, new RunContext());
    expect(r.answer).toBe('Paris');
    // Before, the answer's citations came from the source member alone: none, while its candidate cited [1].
    expect(r.citations.map((c) => c.docId)).toEqual(['paris']);
    expect(r.candidates[0]?.citations).toEqual([1]);
  });
});
