import { analyze } from '../core/analyzer.js';
import type { RunContext } from '../core/run-context.js';
import type { TextMemo } from '../core/text-memo.js';
import type { Passage } from '../core/types.js';
import type { Reranker } from '../rerankers/reranker.js';
import { contextScores, normalised, type ContextWeights } from './context-scores.js';
import type { GlobalSelector } from './global-selector.js';
import { leafTerms, scoreLeaves } from './node-scorer.js';
import { nodeSimilarity } from './node-similarity.js';
import type { QueryAnalyzer } from './query-analyzer.js';
import { buildForest, splitUnits, type RefineDocument, type RefineForest } from './refine-tree.js';
import type { TermStatistics } from './term-statistics.js';
import type { TokenCounter } from './token-counter.js';
import { selectNodes } from './tree-budget.js';

export interface HierarchicalRefinerDeps {
  /** Scores paragraphs against the query: lexical by default, a cross-encoder when configured. */
  scorer: Reranker;
  analyzer: QueryAnalyzer;
  selector: GlobalSelector;
  tokens: TokenCounter;
  memo: TextMemo;
  /**
   * Term statistics of the corpus the documents come from (the BM25 index), read per request since the index
   * changes; without them (or when it returns undefined) query terms are weighted by rarity among the request.
   */
  terms?: () => TermStatistics | undefined;
}

export interface HierarchicalRefinerOptions {
  /** Paragraphs longer than this many words are scored and selected in runs of sentences. */
  maxUnitWords: number;
  /** How much a leaf's neighbours and its document weigh in its score. */
  context?: ContextWeights;
  /** MMR penalty for a node's likeness to those already taken (0: by score alone). */
  redundancy?: number;
}

/**
 * A leaf's neighbourhood is the plain mean of it and its adjacent leaves; its document gives up to half its score
 * (alpha / 2). Round values, not a best point: the figures around them are in the README's refinement section.
 */
export const DEFAULT_CONTEXT: ContextWeights = { neighbours: 1, document: 0.5 };

/** Half a point of score per unit of likeness: the middle of the range measured flat (0.2 to 0.7). */
export const DEFAULT_REDUNDANCY = 0.5;

export interface RefineResult {
  passages: Passage[];
  alpha: number;
  /** Tokens of all the documents' text, and of the refined context. */
  tokensIn: number;
  tokensOut: number;
  /** Where the query terms' weights came from: the corpus's statistics, or the request's own paragraphs. */
  termWeights: 'corpus' | 'request';
}

/**
 * LongRefiner's hierarchical refinement of whole documents under a token budget: dual-level query analysis
 * (alpha), local scores of every paragraph by the scorer, read in their context (neighbouring paragraphs, and the
 * document's relevance as far as alpha makes the need global), parents the mean of their children, all nodes
 * min-max normalised together; global selection of documents and sections from their outline (a selected node
 * gains alpha, each of its children alpha / (children + 1)); then budgeted selection by score less redundancy
 * with what is already taken (MMR), emitted in document order with each passage's document title and heading
 * path. A passage's chunkId names its document and node path.
 */
export class HierarchicalRefiner {
  readonly name = 'hierarchical';

  constructor(
    private readonly deps: HierarchicalRefinerDeps,
    private readonly options: HierarchicalRefinerOptions = { maxUnitWords: 40 },
  ) {}

  /** Tokens of a text by the refiner's counter (so a baseline can be cut to the same budget). */
  countTokens(text: string): number {
    return this.deps.tokens.count(text);
  }

  async refine(query: string, documents: readonly RefineDocument[], budget: number, ctx: RunContext): Promise<RefineResult> {
    return ctx.span('refine.hierarchical', () => this.doRefine(query, documents, budget, ctx), (r) => ({
      documents: documents.length,
      passages: r.passages.length,
      alpha: r.alpha,
      budget,
      tokensIn: r.tokensIn,
      tokensOut: r.tokensOut,
      compression: r.tokensOut > 0 ? Math.round((r.tokensIn / r.tokensOut) * 100) / 100 : 0,
      tokenizer: this.deps.tokens.name,
      termWeights: r.termWeights,
    }));
  }

  protected async doRefine(query: string, documents: readonly RefineDocument[], budget: number, ctx: RunContext): Promise<RefineResult> {
    const { maxUnitWords } = this.options;
    const forest = buildForest(documents, maxUnitWords, (key, text) => this.deps.memo.get(`refine.units.${maxUnitWords}`, key, text, (t) => splitUnits(t, maxUnitWords)));
    const corpus = this.deps.terms?.();
    // An empty corpus has no statistics to weigh terms by: the request's own leaves do.
    const stats = corpus && corpus.size > 0 ? corpus : undefined;
    const termWeights = stats ? 'corpus' : 'request';
    if (forest.leaves.length === 0) return { passages: [], alpha: 0.5, tokensIn: 0, tokensOut: 0, termWeights };
    // The LLM calls (analysis, selection) overlap the scoring.
    const [alpha, selected, evidence] = await Promise.all([
      this.deps.analyzer.analyze(query, ctx),
      this.deps.selector.select(query, forest, ctx),
      scoreLeaves(query, forest, this.deps.scorer, this.deps.memo, ctx, stats),
    ]);
    const local = contextScores(forest, evidence.leaves, evidence.documents, this.options.context ?? DEFAULT_CONTEXT, alpha);
    const tokens = this.tokenCounts(forest, budget);
    const scores = combine(forest, local, selected, alpha);
    const weight = this.options.redundancy ?? DEFAULT_REDUNDANCY;
    // The similarity is computed lazily, and only when the weight is above 0.
    const eligible = evidenceOnly(forest, scores, query, this.deps.memo);
    const chosen = selectNodes(forest, scores, tokens, budget, { weight, similarity: nodeSimilarity(forest, this.deps.memo, stats) }, eligible);
    const passages =
      chosen.length > 0
        ? chosen.sort((a, b) => order(forest, a) - order(forest, b)).map((i) => this.passage(forest, i, scores.get(i) ?? 0, tokens.get(i) ?? 0))
        : this.truncatedBest(forest, local, budget);
    const tokensIn = forest.leaves.reduce((s, l) => s + (tokens.get(l) ?? 0), 0);
    return { passages, alpha, tokensIn, tokensOut: passages.reduce((s, p) => s + p.tokens, 0), termWeights };
  }

  /**
   * Tokens of every node as emitted: its leaves' counts (memoised per leaf text) summed, and for a node holding
   * sections the heading lines it emits above their paragraphs (`headingLines`), so a section taken whole pays for
   * the headings it shows. Headings only add, so they are counted only where the leaves alone fit the budget: a
   * larger node is never taken.
   */
  private tokenCounts(forest: RefineForest, budget: number): Map<number, number> {
    const out = new Map<number, number>();
    const count = this.deps.tokens.count;
    const cache = `refine.tokens.${this.deps.tokens.name}`;
    const visit = (i: number): number => {
      const node = forest.nodes[i];
      if (!node) return 0;
      const n =
        node.children.length === 0
          ? node.text.length > 0
            ? this.deps.memo.get(cache, node.id, node.text, count)
            : 0
          : node.children.reduce((s, c) => s + visit(c), 0);
      out.set(i, n);
      return n;
    };
    forest.nodes.forEach((n) => {
      if (n.parent === null) visit(n.index);
    });
    for (const node of forest.nodes) {
      if ((node.kind !== 'document' && node.kind !== 'section') || (out.get(node.index) ?? 0) > budget) continue;
      const lines = headingLines(forest, node.index);
      if (lines.size > 0) out.set(node.index, (out.get(node.index) ?? 0) + [...lines.values()].reduce((s, h) => s + this.deps.memo.get(cache, `heading\u0000${h}`, h, count), 0));
    }
    return out;
  }

  private passage(forest: RefineForest, index: number, score: number, tokens: number): Passage {
    const node = forest.nodes[index];
    const doc = forest.documents[node?.doc ?? 0];
    const p: Passage = {
      chunkId: node?.id ?? '',
      docId: doc?.docId ?? '',
      text: textOf(forest, index),
      score,
      tokens,
    };
    if (doc?.title) p.title = doc.title;
    if (node && node.headingPath.length > 0) p.headingPath = node.headingPath;
    return p;
  }

  /** Not even the smallest part fits: the best leaf, cut to the budget at a word boundary. */
  private truncatedBest(forest: RefineForest, local: Map<number, number>, budget: number): Passage[] {
    const best = [...local.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
    if (!best) return [];
    const words = (forest.nodes[best[0]]?.text ?? '').split(/\s+/).filter(Boolean);
    let lo = 0;
    let hi = words.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.deps.tokens.count(words.slice(0, mid).join(' ')) <= budget) lo = mid;
      else hi = mid - 1;
    }
    if (lo === 0) return [];
    const p = this.passage(forest, best[0], best[1], 0);
    p.text = words.slice(0, lo).join(' ');
    p.tokens = this.deps.tokens.count(p.text);
    return [p];
  }
}

/**
 * Final node scores: leaves' local scores, parents the mean of their children, all min-max normalised together;
 * then each globally selected node gains alpha and each of its children alpha / (children + 1).
 */
export function combine(forest: RefineForest, local: ReadonlyMap<number, number>, selected: ReadonlySet<number>, alpha: number): Map<number, number> {
  const raw = new Map<number, number>();
  const visit = (i: number): number | undefined => {
    const node = forest.nodes[i];
    if (!node) return undefined;
    if (node.children.length === 0) {
      const s = local.get(i);
      if (s !== undefined) raw.set(i, s);
      return s;
    }
    const child = node.children.map(visit).filter((s): s is number => s !== undefined);
    if (child.length === 0) return undefined;
    const mean = child.reduce((a, b) => a + b, 0) / child.length;
    raw.set(i, mean);
    return mean;
  };
  forest.nodes.forEach((n) => {
    if (n.parent === null) visit(n.index);
  });
  const out = normalised(raw);
  for (const i of selected) {
    const node = forest.nodes[i];
    if (!node || !out.has(i)) continue;
    out.set(i, (out.get(i) ?? 0) + alpha);
    const share = alpha / (node.children.length + 1);
    for (const c of node.children) if (out.has(c)) out.set(c, (out.get(c) ?? 0) + share);
  }
  return out;
}

const order = (forest: RefineForest, i: number): number => {
  const n = forest.nodes[i];
  return (n?.doc ?? 0) * 1e9 + (n?.order ?? 0);
};

/** A node's text: a paragraph's units joined as the sentences they were, other nodes' parts by blank lines. */
function textOf(forest: RefineForest, index: number): string {
  const headings = headingLines(forest, index);
  const parts = (i: number): string => {
    const node = forest.nodes[i];
    if (!node) return '';
    if (node.children.length === 0) return node.text;
    if (node.kind === 'paragraph') return node.children.map(parts).filter((t) => t.length > 0).join(' ');
    return node.children
      .map((c) => {
        const text = parts(c);
        const heading = headings.get(c);
        return heading !== undefined && text.length > 0 ? `${heading}\n${text}` : text;
      })
      .filter((t) => t.length > 0)
      .join('\n\n');
  };
  return parts(index);
}

/**
 * The heading lines a node emits inside its text, by the paragraph (or paragraph-less leaf) they stand above.
 * A passage's own heading path is given beside its text; a section taken whole would otherwise run its
 * subsections' paragraphs together, and the reader could not tell which subsection one belongs to. So each run of
 * paragraphs from a section below the node is headed by that section's heading path below the node's own
 * ("Wars > North"), once, above the run's first paragraph; a run back at the node's own level after a subsection
 * is headed by the node's own title. Sections without a title of their own add no line.
 */
function headingLines(forest: RefineForest, index: number): Map<number, string> {
  const out = new Map<number, string>();
  const root = forest.nodes[index];
  if (!root || (root.kind !== 'document' && root.kind !== 'section')) return out;
  const depth = root.headingPath.length;
  const own = root.headingPath[depth - 1] ?? forest.documents[root.doc]?.title ?? '';
  let last: readonly string[] = root.headingPath;
  const walk = (i: number): void => {
    const node = forest.nodes[i];
    if (!node) return;
    if (node.kind === 'paragraph' || node.children.length === 0) {
      if (node.text.length === 0 && node.children.length === 0) return;
      if (node.headingPath !== last && node.headingPath.join('\u0000') !== last.join('\u0000')) {
        const below = node.headingPath.slice(depth).join(' > ');
        const line = below.length > 0 ? below : own;
        // As a Markdown heading, so a reader takes it for what it is: the heading of the lines below, not a sentence.
        if (line.length > 0) out.set(i, `## ${line}`);
      }
      last = node.headingPath;
      return;
    }
    for (const c of node.children) walk(c);
  };
  for (const c of root.children) walk(c);
  return out;
}

/**
 * Which nodes may fill the budget: any that scores at least the mean of the request's leaves (what a paragraph picked
 * at random scores), and below it only one that holds a term of the question. Once the best nodes are taken, the room
 * left was filled with whatever still fit, near the end the shortest text whatever its score: a few words cut from an
 * unrelated paragraph ("Revolution.", "He was of English descent.") that a reader then took as evidence. A paragraph
 * that shares a word with the question may still be the second hop it needs (the floor alone cost HotpotQA answer
 * recall 1.4 points at 512 tokens), so it stays eligible.
 */
function evidenceOnly(forest: RefineForest, scores: ReadonlyMap<number, number>, query: string, memo: TextMemo): (node: number, score: number) => boolean {
  let sum = 0;
  let n = 0;
  for (const leaf of forest.leaves) {
    const s = scores.get(leaf);
    if (s === undefined) continue;
    sum += s;
    n++;
  }
  const floor = n > 0 ? sum / n : Number.NEGATIVE_INFINITY;
  const asked = new Set(analyze(query));
  const holds = new Map<number, boolean>();
  const holdsTerm = (i: number): boolean => {
    const known = holds.get(i);
    if (known !== undefined) return known;
    const node = forest.nodes[i];
    let found = false;
    if (node !== undefined && node.children.length === 0) {
      const terms = leafTerms(forest, i, memo);
      found = [...asked].some((t) => terms.has(t));
    } else if (node !== undefined) found = node.children.some((c) => holdsTerm(c));
    holds.set(i, found);
    return found;
  };
  return (node, score) => score >= floor || holdsTerm(node);
}
