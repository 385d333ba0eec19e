import type { Degradation } from '../core/types.js';

/**
 * Answers a stand-in gave (an LLM that was down or too slow: the extractive reader answered), counted by stage and
 * reason, so a score or a batch summary says when it is not the configured pipeline's alone.
 */
export class DegradedCount {
  /** "stage: reason" (e.g. "generate: llm timeout") -> answers. */
  readonly causes: Record<string, number> = {};
  total = 0;

  add(degraded: Degradation | undefined): void {
    if (!degraded) return;
    const cause = `${degraded.stage}: ${degraded.reason}`;
    this.causes[cause] = (this.causes[cause] ?? 0) + 1;
    this.total++;
  }

  /** "generate: llm timeout 18, generate: llm unavailable 2" */
  describe(): string {
    return Object.entries(this.causes)
      .map(([cause, n]) => `${cause} ${n}`)
      .join(', ');
  }
}
