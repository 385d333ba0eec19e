import { describe, expect, it } from 'vitest';
import { RagError } from '../../../src/core/errors.js';
import { RunContext } from '../../../src/core/run-context.js';
import type { Candidate, Degradation, Passage } from '../../../src/core/types.js';
import { GeneratorEnsemble } from '../../../src/ensemble/generator-ensemble.js';
import { entropyWeights } from '../../../src/ensemble/entropy-weights.js';
import { Reader, type ReaderOutput } from '../../../src/models/reader.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';

const PASSAGES: Passage[] = [
  { chunkId: 'tower#0', docId: 'tower', text: 'The Eiffel Tower was completed in March 1889.', score: 2, tokens: 10 },
  { chunkId: 'paris#0', docId: 'paris', text: 'Paris hosted the World Fair of 1889.', score: 1, tokens: 8 },
];

/** A generator with a fixed answer distribution (or failure), recording the passages it was given. */
class FixedReader extends Reader {
  readonly seen: Array<readonly Passage[]> = [];
  constructor(
    readonly name: string,
    private readonly reply: { candidates: Candidate[]; normalizedEntropy: number; degraded?: Degradation } | RagError,
    private readonly delayMs = 0,
  ) {
    super();
  }
  protected async doAnswer(_query: string, passages: readonly Passage[]): Promise<ReaderOutput> {
    this.seen.push(passages);
    await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.reply instanceof RagError) throw this.reply;
    const { candidates, normalizedEntropy, degraded } = this.reply;
    return { result: { candidates, entropy: normalizedEntropy, normalizedEntropy, ...(degraded ? { degraded } : {}) } };
  }
}

/** Members under their readers' names. */
const named = (...readers: Reader[]) => readers.map((reader) => ({ name: reader.name, reader }));

const llm = (): FixedReader => new FixedReader('llm', { candidates: [{ text: 'March 1889', prob: 0.9, citations: [1] }], normalizedEntropy: 0.1 });
const spans = (): FixedReader =>
  new FixedReader('extractive-spans', {
    candidates: [
      { text: 'march 1889', prob: 0.5, citations: [1] },
      { text: 'the World Fair', prob: 0.5, citations: [2] },
    ],
    normalizedEntropy: 0.9,
  });

describe('GeneratorEnsemble', () => {
  it('gives every member the same passages and clusters their answers, weighted by exp(-beta * H)', async () => {
    const [a, b] = [llm(), spans()];
    const ensemble = new GeneratorEnsemble(named(a, b), 2);
    const ctx = new RunContext();
    const r = await ensemble.answer('When was the Eiffel Tower completed?', PASSAGES, ctx);
    expect(a.seen).toEqual([PASSAGES]);
    expect(b.seen).toEqual([PASSAGES]);
    const [wa, wb] = entropyWeights([0.1, 0.9], 2) as [number, number];
    // "March 1889" and "march 1889" are one cluster; the other answer has b's remaining half.
    const mass = { march: wa * 0.9 + wb * 0.5, fair: wb * 0.5 };
    const total = mass.march + mass.fair;
    expect(r.candidates.map((c) => c.text)).toEqual(['March 1889', 'the World Fair']);
    expect(r.candidates[0]?.prob).toBeCloseTo(mass.march / total, 5);
    expect(r.candidates[0]?.citations).toEqual([1]);
    expect(r.candidates[1]?.citations).toEqual([2]);
    const p = [mass.march / total, mass.fair / total];
    expect(r.entropy).toBeCloseTo(-p.reduce((s, x) => s + x * Math.log(x), 0), 6);
    expect(r.normalizedEntropy).toBeCloseTo(r.entropy / Math.log(2), 6);
    expect(ensemble.name).toBe('llm+extractive-spans');
    const span = ctx.trace.spans.find((s) => s.name === 'generate.llm+extractive-spans');
    expect(span?.attrs).toMatchObject({ candidates: 2, clusters: 2, llmWeight: Number(wa.toFixed(4)), 'extractive-spansWeight': Number(wb.toFixed(4)) });
    expect(ctx.trace.spans.map((s) => s.name)).toEqual(['read.llm', 'read.extractive-spans', 'generate.llm+extractive-spans']);
  });

  it('with beta 0 weighs members alike, so the more probable answer of the less certain member can win', async () => {
    const unsure = new FixedReader('extractive', { candidates: [{ text: 'the World Fair', prob: 1, citations: [2] }], normalizedEntropy: 0.9 });
    const sure = new FixedReader('llm', { candidates: [{ text: '1889', prob: 0.6, citations: [1] }], normalizedEntropy: 0.1 });
    expect((await new GeneratorEnsemble(named(sure, unsure), 0).answer('q', PASSAGES, new RunContext())).candidates[0]?.text).toBe('the World Fair');
    expect((await new GeneratorEnsemble(named(sure, unsure), 5).answer('q', PASSAGES, new RunContext())).candidates[0]?.text).toBe('1889');
  });

  it('says so when a member answered through a stand-in (its LLM timed out and the extractive reader read)', async () => {
    const degraded: Degradation = { stage: 'generate', reason: 'llm timeout', fallback: 'extractive', message: 'the llm reader did not answer in time' };
    const standIn = new FixedReader('llm', { candidates: [{ text: 'March 1889', prob: 1, citations: [1] }], normalizedEntropy: 0, degraded });
    expect((await new GeneratorEnsemble(named(standIn, spans()), 2).answer('q', PASSAGES, new RunContext())).degraded).toEqual(degraded);
    expect((await new GeneratorEnsemble(named(llm(), spans()), 2).answer('q', PASSAGES, new RunContext())).degraded).toBeUndefined();
  });

  it('drops a failing member with a note in its span and answers from the others', async () => {
    const broken = new FixedReader('llm', new RagError('UNAVAILABLE', 'LLM server down'));
    const ctx = new RunContext();
    const r = await new GeneratorEnsemble(named(broken, spans()), 2).answer('q', PASSAGES, ctx);
    expect(r.candidates[0]?.text).toBe('march 1889');
    expect(ctx.trace.spans.find((s) => s.name === 'generate.llm+extractive-spans')?.attrs?.['dropped']).toBe('llm (UNAVAILABLE: LLM server down)');
    // The answer says so too (so it is not cached as the ensemble's), naming the members that answered instead.
    expect(r.degraded).toEqual({ stage: 'generate', reason: 'llm unavailable', fallback: 'extractive-spans', message: 'dropped llm (UNAVAILABLE: LLM server down)' });
    const refused = new FixedReader('llm', new RagError('UPSTREAM_ERROR', 'the LLM sent no log-probabilities'));
    expect((await new GeneratorEnsemble(named(refused, spans()), 2).answer('q', PASSAGES, new RunContext())).degraded?.reason).toBe('llm error');
  });

  it('fails with the first member error when every member fails, and with the deadline when the request runs out', async () => {
    const down = (name: string): FixedReader => new FixedReader(name, new RagError('UNAVAILABLE', `${name} down`));
    const err = await ragErrorOfAsync(() => new GeneratorEnsemble(named(down('llm'), down('extractive')), 2).answer('q', PASSAGES, new RunContext()));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toBe('llm down');
    const slow = new FixedReader('llm', { candidates: [{ text: '1889', prob: 1, citations: [] }], normalizedEntropy: 0 }, 80);
    const late = await ragErrorOfAsync(() => new GeneratorEnsemble(named(slow, spans()), 2).answer('q', PASSAGES, new RunContext({ timeoutMs: 30 })));
    expect(late.code).toBe('DEADLINE_EXCEEDED');
  });
});
