import { isRagError } from '../core/errors.js';
import type { RunContext } from '../core/run-context.js';
import { failureKind } from '../core/stand-in.js';
import type { Passage, ReaderResult } from '../core/types.js';
import { Reader, type ReaderOutput } from '../models/reader.js';
import { vote, voteAsReaderResult } from './answer-clusters.js';
import { entropyWeights } from './entropy-weights.js';

/**
 * A module-level ensemble of generators (DESIGN, "Ensemble"): every member answers from the same passages,
 * concurrently, and the answers are combined as the pipeline ensemble combines its members': weights
 * exp(-beta * normalised entropy), candidates clustered as `vote` clusters them (same normalised text, token F1 >= 0.8, shorter mentions), clusters
 * scored by the weighted mass of their members. The passages are the same, so every member's [n] means the same
 * passage. A member that fails is dropped, with a note in the span; only when all fail does the answer fail.
 */
export class GeneratorEnsemble extends Reader {
  readonly name: string;
  protected override readonly stage = 'generate';

  /** `members` by the names the configuration gives them (two readers may share a class and its name). */
  constructor(
    private readonly members: ReadonlyArray<{ name: string; reader: Reader }>,
    private readonly beta: number,
  ) {
    super();
    this.name = members.map((m) => m.name).join('+');
  }

  protected async doAnswer(query: string, passages: readonly Passage[], ctx: RunContext): Promise<ReaderOutput> {
    const settled = await Promise.allSettled(this.members.map((m) => m.reader.answer(query, passages, ctx)));
    // The request itself was aborted or ran out of time: that is its failure, not a member's.
    ctx.check(this.spanName);
    const answered: Array<{ name: string; result: ReaderResult }> = [];
    const dropped: string[] = [];
    const reasons: string[] = [];
    let firstError: unknown;
    settled.forEach((s, i) => {
      const name = this.members[i]?.name ?? String(i);
      if (s.status === 'fulfilled') answered.push({ name, result: s.value });
      else {
        firstError ??= s.reason;
        const code = isRagError(s.reason) ? s.reason.code : 'INTERNAL';
        dropped.push(`${name} (${code}: ${s.reason instanceof Error ? s.reason.message : String(s.reason)})`);
        reasons.push(`${name} ${failureKind(s.reason)}`);
      }
    });
    if (answered.length === 0) throw firstError;
    const weights = entropyWeights(answered.map((a) => a.result.normalizedEntropy), this.beta);
    const tally = vote(answered.map((a, i) => ({ name: a.name, weight: weights[i] ?? 0, candidates: a.result.candidates, unsupported: a.result.unsupported })));
    const attrs: Record<string, string | number> = {
      ...Object.fromEntries(answered.map((a, i) => [`${a.name}Weight`, Math.round((weights[i] ?? 0) * 1e4) / 1e4])),
      clusters: tally.clusters.length,
    };
    if (dropped.length > 0) attrs['dropped'] = dropped.join('; ');
    const result = voteAsReaderResult(tally);
    // One member answered by a stand-in is enough for the answer to say so, as in a branching pipeline.
    const degraded = answered.find((a) => a.result.degraded)?.result.degraded;
    if (degraded) result.degraded = degraded;
    else if (dropped.length > 0) {
      // A member that failed (an LLM refusing the request, a reply without log-probabilities) left the answer to the
      // others: it says so, as an ensemble of rerankers does, and so is not cached. Before, only the span's note
      // told, and the answer of the members left was cached as the ensemble's.
      result.degraded = { stage: 'generate', reason: reasons.join('; '), fallback: answered.map((a) => a.name).join('+'), message: `dropped ${dropped.join('; ')}` };
    }
    return { result, attrs };
  }
}
