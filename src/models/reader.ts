import type { RunContext } from '../core/run-context.js';
import type { Span } from '../core/trace.js';
import type { Passage, ReaderResult } from '../core/types.js';

/** What an implementation hands back: the result, and attributes for the stage's span (model, token usage). */
export interface ReaderOutput {
  result: ReaderResult;
  attrs?: Span['attrs'];
}

/** A streamed answer: pieces of text as they are written, then the result. */
export type ReaderEvent = { type: 'token'; text: string } | { type: 'result'; result: ReaderResult };

/**
 * A reader turns a question and numbered passages into candidate answers with probabilities and an entropy
 * (DESIGN, "Reader.answer"). The public methods record the stage's span (`read.<name>` for readers that pick
 * text out of the passages, `generate.<name>` for ones that write it); implementations provide `doAnswer`, and
 * `doStream` when they can answer token by token.
 */
export abstract class Reader {
  abstract readonly name: string;
  protected readonly stage: 'read' | 'generate' = 'read';
  /** True when `stream` yields text as it is written; otherwise the text arrives with the result. */
  readonly streams: boolean = false;

  /** The name of the span the reader records. */
  get spanName(): string {
    return `${this.stage}.${this.name}`;
  }

  async answer(query: string, passages: readonly Passage[], ctx: RunContext): Promise<ReaderResult> {
    const output = await ctx.span(this.spanName, () => this.doAnswer(query, passages, ctx), spanAttrs);
    return output.result;
  }

  /** Yields text as it is written (where the reader can), then the result; one span for the whole. */
  async *stream(query: string, passages: readonly Passage[], ctx: RunContext): AsyncGenerator<ReaderEvent, void, undefined> {
    ctx.check(this.spanName);
    const start = ctx.trace.now();
    let attrs: Span['attrs'] = { cancelled: true };
    try {
      const output = yield* this.doStream(query, passages, ctx);
      attrs = spanAttrs(output);
      yield { type: 'result', result: output.result };
    } catch (err) {
      attrs = { error: err instanceof Error ? err.message : String(err) };
      throw err;
    } finally {
      ctx.trace.record(this.spanName, start, attrs);
    }
  }

  protected abstract doAnswer(query: string, passages: readonly Passage[], ctx: RunContext): Promise<ReaderOutput> | ReaderOutput;

  /** By default the whole answer at once, with no text before it. */
  protected async *doStream(
    query: string,
    passages: readonly Passage[],
    ctx: RunContext,
  ): AsyncGenerator<{ type: 'token'; text: string }, ReaderOutput, undefined> {
    return this.doAnswer(query, passages, ctx);
  }
}

function spanAttrs(output: ReaderOutput): NonNullable<Span['attrs']> {
  return { candidates: output.result.candidates.length, entropy: Number(output.result.entropy.toFixed(4)), ...output.attrs };
}
