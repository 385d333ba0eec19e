import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/config.js';
import { RagError } from '../../../src/core/errors.js';
import { RunContext } from '../../../src/core/run-context.js';
import type { PipelineResult, QueryPlan } from '../../../src/core/types.js';
import { PipelineEnsemble } from '../../../src/ensemble/pipeline-ensemble.js';
import { Pipeline } from '../../../src/pipelines/pipeline.js';
import { NO_ANSWER, pipelineResult } from '../../../src/pipelines/pipeline-result.js';

const plan: QueryPlan = { original: 'who?', corrected: 'who?', corrections: [], subQueries: [] };

/** A pipeline that answers (or fails) after a delay, sharing a memoised "retrieval" through the request's memo. */
class FakePipeline extends Pipeline {
  readonly kind = 'fake';
  constructor(
    name: string,
    private readonly answer: { text: string; prob: number; entropy: number } | Error,
    private readonly delayMs = 0,
    private readonly counter?: { retrievals: number },
  ) {
    super(name);
  }
  protected async doRun(_plan: QueryPlan, _o: object, ctx: RunContext): Promise<PipelineResult> {
    await ctx.memo.get('retrieve\u0000who', async () => {
      if (this.counter) this.counter.retrievals++;
      await new Promise((r) => setTimeout(r, 20));
      return [];
    });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, this.delayMs);
      ctx.signal.addEventListener('abort', () => (clearTimeout(t), reject(new RagError('DEADLINE_EXCEEDED', 'deadline exceeded'))), { once: true });
    });
    if (this.answer instanceof Error) throw this.answer;
    const { text, prob, entropy } = this.answer;
    return {
      pipeline: this.name,
      answer: text,
      confidence: prob,
      candidates: [{ text, prob, citations: [] }, { text: 'other', prob: 1 - prob, citations: [] }],
      entropy,
      normalizedEntropy: entropy,
      passages: [],
      citations: [],
      abstained: false,
    };
  }
}

/** A pipeline whose reader found nothing to propose (a question of question words alone, passages that hold none of it). */
class EmptyPipeline extends Pipeline {
  readonly kind = 'fake';
  protected async doRun(): Promise<PipelineResult> {
    const member = validateConfig({ pipelines: { default: { kind: 'sequential', abstainAbove: 1 } } }).pipelines['default']!;
    return pipelineResult(this.name, member, { candidates: [], entropy: 0, normalizedEntropy: 0 }, []);
  }
}

const config = (over: object = {}) => validateConfig({ ensembles: { e: { members: ['default'], ...over } } }).ensembles['e']!;

describe('PipelineEnsemble', () => {
  it('weighs members by exp(-beta*H), picks the best cluster, and shares retrieval within the request', async () => {
    const counter = { retrievals: 0 };
    const e = new PipelineEnsemble('e', config({ beta: 2 }), [
      new FakePipeline('a', { text: 'Paris', prob: 0.9, entropy: 0.2 }, 5, counter),
      new FakePipeline('b', { text: 'paris', prob: 0.6, entropy: 0.6 }, 5, counter),
      new FakePipeline('c', { text: 'Lyon', prob: 0.5, entropy: 0.9 }, 5, counter),
    ]);
    const ctx = new RunContext();
    const r = await e.run(plan, {}, ctx);
    expect(r.answer).toBe('Paris');
    expect(r.winner?.members).toEqual(['a', 'b']);
    expect(r.members.map((m) => m.pipeline)).toEqual(['a', 'b', 'c']);
    expect(r.members[0]!.weight).toBeGreaterThan(r.members[2]!.weight);
    expect(r.members.reduce((s, m) => s + m.weight, 0)).toBeCloseTo(1, 5);
    expect(r.confidence).toBeCloseTo(r.distribution[0]!.prob, 10);
    expect(counter.retrievals).toBe(1);
    expect(ctx.memo.hits).toBe(2);
    expect(ctx.trace.toJSON().spans.map((s) => s.name)).toContain('ensemble.e');
  });

  it('drops a failing member and one past memberTimeoutMs with notes, and answers from the rest', async () => {
    const e = new PipelineEnsemble('e', config({ memberTimeoutMs: 60 }), [
      new FakePipeline('ok', { text: 'Paris', prob: 0.9, entropy: 0.1 }),
      new FakePipeline('broken', new RagError('UPSTREAM_ERROR', 'the LLM said no')),
      new FakePipeline('slow', { text: 'Lyon', prob: 0.9, entropy: 0.1 }, 5000),
    ]);
    const started = Date.now();
    const r = await e.run(plan, {}, new RunContext());
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.answer).toBe('Paris');
    expect(r.dropped).toEqual([
      { pipeline: 'broken', code: 'UPSTREAM_ERROR', note: 'failed: the LLM said no' },
      expect.objectContaining({ pipeline: 'slow', code: 'DEADLINE_EXCEEDED', note: expect.stringMatching(/^timed out/) }),
    ]);
  });

  it('answers from the members that finished when another runs to the request deadline, without memberTimeoutMs', async () => {
    const e = new PipelineEnsemble('e', config(), [
      new FakePipeline('fast', { text: 'Paris', prob: 0.9, entropy: 0.1 }),
      new FakePipeline('hung', { text: 'Lyon', prob: 0.9, entropy: 0.1 }, 5000),
    ]);
    const started = Date.now();
    const r = await e.run(plan, {}, new RunContext({ timeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(300);
    expect(r.answer).toBe('Paris');
    expect(r.dropped).toEqual([expect.objectContaining({ pipeline: 'hung', code: 'DEADLINE_EXCEEDED', note: expect.stringMatching(/^timed out/) })]);
    // Every member out of time is still the request's deadline (504), not an outage.
    const allHung = new PipelineEnsemble('e', config(), [new FakePipeline('hung', { text: 'Lyon', prob: 0.9, entropy: 0.1 }, 5000)]);
    await expect(allHung.run(plan, {}, new RunContext({ timeoutMs: 100 }))).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('weighs a member that proposed nothing least, and with no proposal from any member abstains knowing nothing', async () => {
    const one = await new PipelineEnsemble('e', config({ beta: 2 }), [
      new FakePipeline('a', { text: 'Paris', prob: 0.9, entropy: 0.5 }),
      new EmptyPipeline('empty'),
    ]).run(plan, {}, new RunContext());
    expect(one.answer).toBe('Paris');
    expect(one.members.find((m) => m.pipeline === 'empty')?.weight).toBeLessThan(one.members.find((m) => m.pipeline === 'a')?.weight ?? 0);
    const none = await new PipelineEnsemble('e', config({ abstainAbove: 1 }), [new EmptyPipeline('x'), new EmptyPipeline('y')]).run(plan, {}, new RunContext());
    expect(none).toMatchObject({ abstained: true, answer: NO_ANSWER, confidence: 0, normalizedEntropy: 1, winner: null });
  });

  it('abstains when its own normalised entropy is above abstainAbove, and fails only when every member fails', async () => {
    const split = new PipelineEnsemble('e', config({ abstainAbove: 0.5 }), [
      new FakePipeline('a', { text: 'Paris', prob: 0.5, entropy: 1 }),
      new FakePipeline('b', { text: 'Lyon', prob: 0.5, entropy: 1 }),
    ]);
    const r = await split.run(plan, {}, new RunContext());
    expect(r.abstained).toBe(true);
    expect(r.confidence).toBe(0);
    expect(r.candidates[0]?.prob).toBeGreaterThan(0);
    expect(r.normalizedEntropy).toBeGreaterThan(0.5);
    const dead = new PipelineEnsemble('e', config(), [new FakePipeline('x', new Error('boom'))]);
    await expect(dead.run(plan, {}, new RunContext())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('runs members concurrently: the wall time is near the slowest member, not the sum', async () => {
    const e = new PipelineEnsemble(
      'e',
      config(),
      ['a', 'b', 'c', 'd'].map((n) => new FakePipeline(n, { text: 'x', prob: 0.9, entropy: 0.1 }, 100)),
    );
    const started = performance.now();
    await e.run(plan, {}, new RunContext());
    expect(performance.now() - started).toBeLessThan(300);
  });
});

/** A pipeline that answers with a fixed candidate distribution. */
class DistributionPipeline extends Pipeline {
  readonly kind = 'fixed';
  constructor(
    name: string,
    private readonly candidates: Array<[string, number]>,
    private readonly unsupported?: number,
  ) {
    super(name);
  }
  protected async doRun(): Promise<PipelineResult> {
    const [top] = this.candidates;
    return {
      pipeline: this.name,
      answer: top?.[0] ?? '',
      confidence: top?.[1] ?? 0,
      candidates: this.candidates.map(([text, prob]) => ({ text, prob, citations: [] })),
      entropy: 0.5,
      normalizedEntropy: 0.5,
      passages: [],
      citations: [],
      abstained: false,
      ...(this.unsupported === undefined ? {} : { unsupported: this.unsupported }),
    };
  }
}

describe('PipelineEnsemble and "none of these"', () => {
  it('is no surer than its members when they agree on an answer their passages barely support, and says why', async () => {
    const members = () => [new DistributionPipeline('a', [['Tanzania', 0.56]], 0.44), new DistributionPipeline('b', [['Tanzania', 0.56]], 0.44)];
    const r = await new PipelineEnsemble('e', config({ temperature: 3, abstainAbove: 1 }), members()).run(plan, {}, new RunContext());
    expect(r.answer).toBe('Tanzania');
    // Before, one cluster alone read as certainty: confidence 1, entropy 0.
    expect(r.confidence).toBeCloseTo(0.56, 6);
    expect(r.unsupported).toBeCloseTo(0.44, 6);
    expect(r.normalizedEntropy).toBeGreaterThan(0.9);
    expect(r.members.map((m) => m.unsupported)).toEqual([0.44, 0.44]);
    // Below abstainAbove 1 it abstains as a pipeline does: "none" above every answer together.
    const sparse = () => [new DistributionPipeline('a', [['Tanzania', 0.3]], 0.7), new DistributionPipeline('b', [['Tanzania', 0.4]], 0.6)];
    expect((await new PipelineEnsemble('e', config({ abstainAbove: 0.98 }), sparse()).run(plan, {}, new RunContext())).abstained).toBe(true);
    expect((await new PipelineEnsemble('e', config({ abstainAbove: 0.98 }), members()).run(plan, {}, new RunContext())).abstained).toBe(false);
  });
});

describe('PipelineEnsemble temperature', () => {
  // One member nearly sure of X; two members that each lean to Y, less sharply, with equal weights.
  const members = () => [
    new DistributionPipeline('sure', [['X', 0.96], ['Y', 0.04]]),
    new DistributionPipeline('b', [['Y', 0.45], ['Z', 0.35], ['W', 0.2]]),
    new DistributionPipeline('c', [['Y', 0.45], ['V', 0.35], ['U', 0.2]]),
  ];

  it('votes with the distributions as reported at temperature 1 (the default)', async () => {
    const r = await new PipelineEnsemble('e', config(), members()).run(plan, {}, new RunContext());
    expect(r.answer).toBe('X');
    // The members' own confidences are reported untempered.
    expect(r.members[0]!.confidence).toBe(0.96);
  });

  it('at a higher temperature lets members that agree outvote one near-certain member', async () => {
    const r = await new PipelineEnsemble('e', config({ temperature: 3 }), members()).run(plan, {}, new RunContext());
    expect(r.answer).toBe('Y');
    expect(r.winner?.members).toEqual(['b', 'c', 'sure']);
    expect(r.members[0]!.candidates[0]!.prob).toBe(0.96);
  });
});
