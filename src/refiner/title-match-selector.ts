import { analyze } from '../core/analyzer.js';
import { TextMemo } from '../core/text-memo.js';
import { GlobalSelector, type OutlineEntry } from './global-selector.js';

/**
 * Global selection without an LLM: a document or section is selected when its own title and abstract cover
 * enough of the query's terms, weighted by rarity among the outline entries. The title counts twice as much as
 * the abstract: it is what the outline says the part is about. Only entries close to the best are kept.
 */
export class TitleMatchSelector extends GlobalSelector {
  readonly name = 'titles';

  private readonly minMatch: number;
  private readonly relative: number;
  private readonly memo: TextMemo;

  constructor(
    options: {
      /** Least share of the query's weight an entry must cover. */
      minMatch?: number;
      /** Least share of the best entry's match. */
      relative?: number;
      /** Remembers each entry's analysed title and abstract: they do not change with the query. */
      memo?: TextMemo;
    } = {},
  ) {
    super();
    this.minMatch = options.minMatch ?? 0.3;
    this.relative = options.relative ?? 0.7;
    this.memo = options.memo ?? new TextMemo(20_000);
  }

  protected doSelect(query: string, outline: OutlineEntry[]): Set<number> {
    const terms = [...new Set(analyze(query))];
    if (terms.length === 0 || outline.length === 0) return new Set();
    const entries = outline.map((e) => {
      const title = e.titles[e.titles.length - 1] ?? '';
      const analysed = this.memo.get('refine.outline', e.id, `${title}\n${e.abstract}`, () => ({ title: new Set(analyze(title)), abstract: new Set(analyze(e.abstract)) }));
      return { node: e.node, ...analysed };
    });
    const weight = new Map(terms.map((t) => {
      const df = entries.reduce((n, e) => n + (e.title.has(t) || e.abstract.has(t) ? 1 : 0), 0);
      return [t, Math.log(1 + (entries.length + 1) / (df + 0.5))] as const;
    }));
    const total = [...weight.values()].reduce((a, b) => a + b, 0) || 1;
    const match = entries.map((e) => {
      let m = 0;
      for (const t of terms) {
        const w = weight.get(t) ?? 0;
        if (e.title.has(t)) m += w;
        else if (e.abstract.has(t)) m += w / 2;
      }
      return m / total;
    });
    const best = Math.max(...match);
    const out = new Set<number>();
    entries.forEach((e, i) => {
      const m = match[i] ?? 0;
      if (m >= this.minMatch && m >= this.relative * best) out.add(e.node);
    });
    return out;
  }
}
