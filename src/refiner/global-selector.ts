import type { RunContext } from '../core/run-context.js';
import type { RefineForest } from './refine-tree.js';

/** What the global step sees of a document or section: its title path and the start of its first paragraph. */
export interface OutlineEntry {
  node: number;
  /** The node's id (document and path), stable across requests. */
  id: string;
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
    const first = firstLeaf(forest, node.index);
    if (first === undefined) continue;
    const doc = forest.documents[node.doc];
    const text = forest.nodes[first]?.text ?? '';
    out.push({
      node: node.index,
      id: node.id,
      titles: [doc?.title ?? '', ...node.headingPath],
      abstract: text.split(/\s+/, ABSTRACT_WORDS).join(' '),
    });
  }
  return out;
}

/** The first leaf with text under a node, in document order. */
function firstLeaf(forest: RefineForest, index: number): number | undefined {
  const node = forest.nodes[index];
  if (!node) return undefined;
  if (node.children.length === 0) return node.text.length > 0 ? index : undefined;
  for (const c of node.children) {
    const leaf = firstLeaf(forest, c);
    if (leaf !== undefined) return leaf;
  }
  return undefined;
}
