/** One timed stage of a request. `at` is the start offset from the trace's origin, so spans draw as a waterfall. */
export interface Span {
  name: string;
  at: number;
  ms: number;
  attrs?: Record<string, number | string | boolean>;
}

/** Records the stages of one request. Times are milliseconds with microsecond resolution. */
export class Trace {
  readonly spans: Span[] = [];
  private readonly origin = performance.now();

  now(): number {
    return performance.now() - this.origin;
  }

  record(name: string, startedAt: number, attrs?: Span['attrs']): Span {
    const span: Span = { name, at: round(startedAt), ms: round(this.now() - startedAt) };
    if (attrs !== undefined) span.attrs = attrs;
    this.spans.push(span);
    return span;
  }

  totalMs(): number {
    return round(this.now());
  }

  toJSON(): { totalMs: number; spans: Span[] } {
    return { totalMs: this.totalMs(), spans: this.spans };
  }
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
