import type { RunContext } from '../core/run-context.js';
import { leavesUnder, type RefineForest } from './refine-tree.js';

/** What the global step sees of a document or section: its title path and the start of its first paragraph. */
export interface OutlineEntry {
  node: number;
  /** Document title, then section titles. */
  titles: string[];
  abstract: string;
}

/**
 * Global selection (LongRefiner): from each document's outline (titles and abstracts, not the full text), the
 * documents and sections that look helpful for the query. The public method records a span.
 */
export abstract class GlobalSelector {
  abstract readonly name: string;

  async select(query: string, forest: RefineForest, ctx: RunContext): Promise<Set<number>> {
    const outline = outlineOf(forest);
    return ctx.span(`refine.global.${this.name}`, () => this.doSelect(query, outline, ctx), (s) => ({ candidates: outline.length, selected: s.size }));
  }

  protected abstract doSelect(query: string, outline: OutlineEntry[], ctx: RunContext): Promise<Set<number>> | Set<number>;
}

const ABSTRACT_WORDS = 40;

/** Every document and section that has text under it, in document order. */
export function outlineOf(forest: RefineForest): OutlineEntry[] {
  const out: OutlineEntry[] = [];
  for (const node of forest.nodes) {
    if (node.kind !== 'document' && node.kind !== 'section') continue;
    const first = leavesUnder(forest, node.index)[0];
    if (first === undefined) continue;
    const title = forest.documents[node.doc]?.title ?? '';
    const text = forest.nodes[first]?.text ?? '';
    out.push({ node: node.index, titles: [title, ...node.headingPath], abstract: text.split(/\s+/).slice(0, ABSTRACT_WORDS).join(' ') });
  }
  return out;
}
