import { RagError } from './errors.js';
import { RequestMemo } from './request-memo.js';
import { Trace, type Span } from './trace.js';
import type { Degradation } from './types.js';

/** The subset of a logger the stages use; Fastify's pino logger and console both fit. */
export interface StageLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

const silentLogger: StageLogger = { debug: () => undefined, warn: () => undefined };

export interface RunContextOptions {
  signal?: AbortSignal;
  /** Milliseconds from now after which every stage stops. */
  timeoutMs?: number;
  log?: StageLogger;
  trace?: Trace;
  /** Work shared within the request (retrieval, reranking); a child context passes its parent's on. */
  memo?: RequestMemo;
  /** Stages of the request that fell back to a stand-in; a child context passes its parent's on. */
  degradations?: Degradation[];
}

/**
 * What every stage of one request shares: the abort signal, the deadline, the trace and the logger.
 * Stages call `span()` so their time is recorded, and `check()` between units of work so an aborted or expired
 * request stops promptly.
 */
export class RunContext {
  readonly signal: AbortSignal;
  readonly deadline: number;
  readonly trace: Trace;
  readonly log: StageLogger;
  readonly memo: RequestMemo;
  /** Stages of the request that fell back to a stand-in (a reranker that kept the retrieval order): the answer says so. */
  readonly degradations: Degradation[];
  /**
   * What `signal` combines, held for as long as the context lives: AbortSignal.any holds its sources weakly, and
   * the timer of AbortSignal.timeout holds its signal weakly too, so without this a garbage collection between
   * now and the deadline drops the timeout signal and the deadline never aborts anything (measured: a hung LLM
   * call ran on seconds past it).
   */
  private readonly sources: readonly AbortSignal[];

  constructor(options: RunContextOptions = {}) {
    const signals: AbortSignal[] = [];
    // Whole milliseconds (AbortSignal.timeout throws on a fraction, and budgets are often a share of what is left).
    const timeoutMs = options.timeoutMs === undefined ? undefined : Math.max(0, Math.floor(options.timeoutMs));
    if (options.signal) signals.push(options.signal);
    if (timeoutMs !== undefined) signals.push(AbortSignal.timeout(timeoutMs));
    this.sources = signals;
    this.signal = signals.length === 0 ? new AbortController().signal : AbortSignal.any(signals);
    this.deadline = timeoutMs !== undefined ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
    this.trace = options.trace ?? new Trace();
    this.log = options.log ?? silentLogger;
    this.memo = options.memo ?? new RequestMemo();
    this.degradations = options.degradations ?? [];
  }

  /**
   * A context for part of the request (an ensemble member) with a deadline of its own, never later than this
   * one's: same trace, logger and memo; aborting this one aborts it. Its stand-ins are noted in this one's
   * degradations, or in `degradations` for a caller that reports them itself.
   */
  child(timeoutMs?: number, degradations: Degradation[] = this.degradations): RunContext {
    const remaining = this.remainingMs();
    const limit = Math.min(timeoutMs ?? Number.POSITIVE_INFINITY, remaining);
    const options: RunContextOptions = { signal: this.signal, trace: this.trace, log: this.log, memo: this.memo, degradations };
    if (Number.isFinite(limit)) options.timeoutMs = Math.max(0, limit);
    return new RunContext(options);
  }

  /** Milliseconds left before the deadline (Infinity when there is none). */
  remainingMs(): number {
    return this.deadline - Date.now();
  }

  /** Throws a coded error when the request was aborted or its deadline passed. */
  check(stage?: string): void {
    if (Date.now() >= this.deadline) {
      throw new RagError('DEADLINE_EXCEEDED', `deadline exceeded${stage ? ` during ${stage}` : ''}`);
    }
    if (this.signal.aborted) {
      const reason: unknown = this.signal.reason;
      if (reason instanceof DOMException && reason.name === 'TimeoutError') {
        throw new RagError('DEADLINE_EXCEEDED', `deadline exceeded${stage ? ` during ${stage}` : ''}`);
      }
      throw new RagError('ABORTED', `request aborted${stage ? ` during ${stage}` : ''}`);
    }
  }

  /**
   * Waits for work this request shares with others (a connection being set up) only as long as the request
   * lasts: when it is aborted or its deadline passes, this rejects as `check` would, and the work goes on for
   * whoever else waits on it.
   */
  async within<T>(work: Promise<T>, stage: string): Promise<T> {
    this.check(stage);
    let onAbort = (): void => undefined;
    const ended = new Promise<never>((_resolve, reject) => {
      onAbort = () => {
        try {
          this.check(stage);
        } catch (err) {
          reject(err);
        }
      };
    });
    this.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await Promise.race([work, ended]);
    } finally {
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Runs one stage: checks the signal first, times it, and records a span even when it throws. */
  async span<T>(name: string, fn: () => Promise<T> | T, attrs?: (result: T) => Span['attrs']): Promise<T> {
    this.check(name);
    const start = this.trace.now();
    try {
      const result = await fn();
      this.trace.record(name, start, attrs?.(result));
      return result;
    } catch (err) {
      this.trace.record(name, start, { error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }
}
