import { analyze } from '../core/analyzer.js';
import type { RunContext } from '../core/run-context.js';
import type { TextMemo } from '../core/text-memo.js';
import type { ScoredChunk } from '../core/types.js';
import type { Reranker } from '../rerankers/reranker.js';
import type { RefineForest } from './refine-tree.js';
import { idf, type TermStatistics } from './term-statistics.js';

/** BM25 parameters of the in-request first stage (Lucene/Anserini defaults, as the retriever's). */
const K1 = 0.9;
const B = 0.4;
/**
 * Whole documents differ in length far more than paragraphs, and a long page mentions a query term in passing
 * more often: Robertson's standard b = 0.75 normalises for that.
 */
const DOCUMENT_B = 0.75;

/** What the scoring step knows of a request's text against the query. */
export interface LeafEvidence {
  /** The scorer's score of every leaf, by node index. */
  leaves: Map<number, number>;
  /** BM25 of each document's whole text (title and body) against the query, by the forest's document index. */
  documents: number[];
}

interface Analysed {
  tf: Map<string, number>;
  length: number;
}

/**
 * Local evidence for every leaf of a request: each leaf becomes a candidate chunk (its document title and heading
 * path included, as a reranker reads chunks) with a BM25 score as its first-stage score, and the configured
 * reranker scores them all in one call, so a cross-encoder gets the whole request as one batch. Each document's
 * BM25 as a whole comes with it (the evidence a passage's document gives it). Query terms are weighted by the
 * statistics of a non-empty corpus when given, else by their rarity among the request's leaves.
 */
export async function scoreLeaves(
  query: string,
  forest: RefineForest,
  reranker: Reranker,
  memo: TextMemo,
  ctx: RunContext,
  stats?: TermStatistics,
): Promise<LeafEvidence> {
  const leaves = forest.leaves;
  if (leaves.length === 0) return { leaves: new Map(), documents: forest.documents.map(() => 0) };
  const chunks: ScoredChunk[] = leaves.map((i) => {
    const node = forest.nodes[i];
    const doc = forest.documents[node?.doc ?? 0];
    const chunk: ScoredChunk = { id: node?.id ?? '', docId: doc?.docId ?? '', text: node?.text ?? '', score: 0, source: 'bm25' };
    if (doc?.title) chunk.title = doc.title;
    if (node && node.headingPath.length > 0) chunk.headingPath = node.headingPath;
    return chunk;
  });
  const documents = bm25Scores(query, forest, chunks, memo, stats);
  const rescored = await reranker.rerank(query, chunks, { k: chunks.length }, ctx);
  const byId = new Map(rescored.map((c) => [c.id, c.score]));
  return { leaves: new Map(leaves.map((leaf, i) => [leaf, byId.get(chunks[i]?.id ?? '') ?? 0])), documents };
}

/**
 * Sets each leaf chunk's score to its BM25 score against the query (the text read with its title and heading
 * path) and returns each document's BM25 score as a whole, in one pass over the leaves' analysed terms.
 */
function bm25Scores(query: string, forest: RefineForest, chunks: ScoredChunk[], memo: TextMemo, stats: TermStatistics | undefined): number[] {
  const terms = [...new Set(analyze(query))];
  const documents = forest.documents.map(() => 0);
  if (terms.length === 0) return documents;
  const titles = forest.documents.map((d) => memo.get('refine.title', d.docId, d.title, termFrequencies));
  // Leaves of one section share its heading path (the same array): analysed once per request, memoised across.
  const headings = new Map<readonly string[], Analysed>();
  const headingOf = (i: number): Analysed => {
    const node = forest.nodes[i];
    if (!node || node.headingPath.length === 0) return EMPTY;
    let a = headings.get(node.headingPath);
    if (!a) {
      const text = node.headingPath.join('\n');
      a = memo.get('refine.heading', `${forest.documents[node.doc]?.docId ?? ''}\u0000${text}`, text, termFrequencies);
      headings.set(node.headingPath, a);
    }
    return a;
  };
  const leaves = forest.leaves.map((i, k) => {
    const node = forest.nodes[i];
    return { doc: node?.doc ?? 0, text: leafAnalysed(forest, i, memo), heading: headingOf(i) };
  });
  const lengthOf = (l: (typeof leaves)[number]): number => l.text.length + l.heading.length + (titles[l.doc]?.length ?? 0);
  const avg = leaves.reduce((s, l) => s + lengthOf(l), 0) / leaves.length || 1;
  // Document frequencies: the corpus's when known, else the request's leaves'.
  const weights = new Map<string, number>();
  for (const t of terms) {
    if (stats) weights.set(t, idf(stats.size, stats.docFreq(t)));
    else weights.set(t, idf(leaves.length, leaves.reduce((n, l) => n + (l.text.tf.has(t) || l.heading.tf.has(t) || titles[l.doc]?.tf.has(t) ? 1 : 0), 0)));
  }
  // Per document: how often each query term occurs in its title and body, and its length.
  const docTf = forest.documents.map((_, d) => new Map(terms.map((t) => [t, titles[d]?.tf.get(t) ?? 0])));
  const docLength = titles.map((t) => t.length);
  leaves.forEach((l, k) => {
    const chunk = chunks[k];
    if (!chunk) return;
    const tfs = docTf[l.doc];
    docLength[l.doc] = (docLength[l.doc] ?? 0) + l.text.length;
    const norm = K1 * (1 - B + (B * lengthOf(l)) / avg);
    let score = 0;
    for (const t of terms) {
      const own = l.text.tf.get(t) ?? 0;
      if (own > 0 && tfs) tfs.set(t, (tfs.get(t) ?? 0) + own);
      const tf = own + (l.heading.tf.get(t) ?? 0) + (titles[l.doc]?.tf.get(t) ?? 0);
      if (tf > 0) score += ((weights.get(t) ?? 0) * tf * (K1 + 1)) / (tf + norm);
    }
    chunk.score = score;
  });
  const avgDoc = docLength.reduce((a, b) => a + b, 0) / (docLength.length || 1) || 1;
  docTf.forEach((tfs, d) => {
    const norm = K1 * (1 - DOCUMENT_B + (DOCUMENT_B * (docLength[d] ?? 0)) / avgDoc);
    let score = 0;
    for (const [t, tf] of tfs) if (tf > 0) score += ((weights.get(t) ?? 0) * tf * (K1 + 1)) / (tf + norm);
    documents[d] = score;
  });
  return documents;
}

const EMPTY: Analysed = { tf: new Map(), length: 0 };

/** A leaf's own text as analysed terms with their counts (memoised per leaf, shared with the scoring). */
export function leafTerms(forest: RefineForest, leaf: number, memo: TextMemo): ReadonlyMap<string, number> {
  return leafAnalysed(forest, leaf, memo).tf;
}

function leafAnalysed(forest: RefineForest, leaf: number, memo: TextMemo): Analysed {
  const node = forest.nodes[leaf];
  return memo.get('refine.tf', node?.id ?? '', node?.text ?? '', termFrequencies);
}

function termFrequencies(text: string): Analysed {
  const terms = analyze(text);
  const tf = new Map<string, number>();
  for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
  return { tf, length: terms.length };
}
