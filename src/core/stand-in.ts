import { isRagError } from './errors.js';
import type { RunContext } from './run-context.js';
import type { Degradation } from './types.js';

/** Who gave up, and what answers instead, for the `degraded` note of a stage that falls back. */
export interface StandIn {
  /** The stage, e.g. "generate", "rerank". */
  stage: string;
  /** The component that gave up, as reasons name it: "llm" gives "llm timeout", "llm unavailable". */
  primary: string;
  /** What answers instead, e.g. "extractive", "retrieval order". */
  fallback: string;
  /** The time the primary was given (undefined: no deadline), and the time kept back, and for what. */
  budgetMs: number | undefined;
  reserveMs: number;
  keptFor: string;
  /** Says, for people, who did not answer in time ("the llm reader", "the LLM reranker"). */
  who: string;
}

/**
 * Why a stand-in may answer for a primary that failed with `err`: it ran out of the time it was given (while the
 * request still has time) or is unavailable. Null when the error must reach the caller: the request itself was
 * aborted or is past its deadline, or the primary refused the request.
 */
export function standInFor(err: unknown, ctx: RunContext, s: StandIn): Degradation | null {
  if (!isRagError(err) || ctx.signal.aborted || ctx.remainingMs() <= 0) return null;
  if (err.code === 'DEADLINE_EXCEEDED') {
    // The deadline is the request's, or an ensemble member's own (memberTimeoutMs), whichever comes first.
    const message = `${s.who} did not answer in time (${s.budgetMs ?? 0} ms left for it before its deadline, ${s.reserveMs} ms kept for ${s.keptFor})`;
    return { stage: s.stage, reason: `${s.primary} timeout`, fallback: s.fallback, message };
  }
  if (err.code === 'UNAVAILABLE') return { stage: s.stage, reason: `${s.primary} unavailable`, fallback: s.fallback, message: err.message };
  return null;
}

/**
 * For a stand-in that answers whatever the primary's failure (the rules for an LLM rewriter or structurer): the
 * note `standInFor` gives, or "<primary> error" for a failure it does not class. The caller has checked that the
 * request itself is still alive.
 */
export function standInForAny(err: unknown, ctx: RunContext, s: StandIn): Degradation {
  return standInFor(err, ctx, s) ?? { stage: s.stage, reason: `${s.primary} error`, fallback: s.fallback, message: err instanceof Error ? err.message : String(err) };
}

/** The word a degradation's reason gives a failure ("llm timeout", "llm unavailable", "llm error", as above), by its code. */
export function failureKind(err: unknown): 'timeout' | 'unavailable' | 'error' {
  if (!isRagError(err)) return 'error';
  return err.code === 'DEADLINE_EXCEEDED' ? 'timeout' : err.code === 'UNAVAILABLE' ? 'unavailable' : 'error';
}

/** What a primary may spend: the request's time left less `reserveMs` for its stand-in; undefined without a deadline. */
export function budgetBefore(ctx: RunContext, reserveMs: number): number | undefined {
  const left = ctx.remainingMs();
  return Number.isFinite(left) ? Math.max(0, left - reserveMs) : undefined;
}
