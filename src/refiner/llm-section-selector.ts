import type { RunContext } from '../core/run-context.js';
import { GlobalSelector, type OutlineEntry } from './global-selector.js';
import type { ChatFn } from './llm-query-analyzer.js';

const SYSTEM = [
  'You are given a question and the outline of some documents: numbered entries, each a document or one of its sections, with its title path and the start of its text.',
  'List the numbers of the entries whose content is likely to help answer the question, most helpful first.',
  'Reply with the numbers only, separated by commas (for example: 3, 7). Reply "none" if no entry helps.',
].join('\n');

/**
 * Global selection by the LLM (LongRefiner): one call over all documents' outlines of the request; the reply's
 * entry numbers are the selected nodes. Numbers outside the outline are ignored.
 */
export class LlmSectionSelector extends GlobalSelector {
  readonly name = 'llm';

  constructor(
    private readonly chat: ChatFn,
    private readonly maxEntries = 200,
  ) {
    super();
  }

  protected async doSelect(query: string, outline: OutlineEntry[], ctx: RunContext): Promise<Set<number>> {
    const shown = outline.slice(0, this.maxEntries);
    if (shown.length === 0) return new Set();
    const listing = shown.map((e, i) => `[${i + 1}] ${e.titles.filter(Boolean).join(' > ')}: ${e.abstract}`).join('\n');
    const r = await this.chat(
      [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: `Question: ${query}\n\nOutline:\n${listing}\n\nHelpful entries:` },
      ],
      { temperature: 0, maxTokens: 64 },
      ctx,
    );
    return new Set(selectedEntries(r.text, shown.length).map((i) => shown[i - 1]?.node ?? -1).filter((n) => n >= 0));
  }
}

/** The 1-based entry numbers a reply names, in range, without repeats. */
export function selectedEntries(reply: string, count: number): number[] {
  const out: number[] = [];
  for (const m of reply.matchAll(/\d+/g)) {
    const n = Number(m[0]);
    if (n >= 1 && n <= count && !out.includes(n)) out.push(n);
  }
  return out;
}
