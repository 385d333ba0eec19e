import { analyze } from '../core/analyzer.js';
import type { RunContext } from '../core/run-context.js';
import type { TextMemo } from '../core/text-memo.js';
import type { ScoredChunk } from '../core/types.js';
import type { Reranker } from '../rerankers/reranker.js';
import type { RefineForest } from './refine-tree.js';

/** BM25 parameters of the in-request first stage (Lucene/Anserini defaults, as the retriever's). */
const K1 = 0.9;
const B = 0.4;

/** The id a refined node goes by: its document and its path in the tree ("doc-7#2.0.1"). */
export const nodeId = (docId: string, path: string): string => `${docId}#${path.length > 0 ? path : 'doc'}`;

/**
 * Local scores of every leaf of a request: each leaf becomes a candidate chunk (its document title and heading
 * path included, as a reranker reads chunks) with a BM25 score computed among the request's leaves as its first-
 * stage score, and the configured reranker scores them all in one call, so a cross-encoder gets the whole request
 * as one batch. Returns a score per leaf index.
 */
export async function scoreLeaves(query: string, forest: RefineForest, reranker: Reranker, memo: TextMemo, ctx: RunContext): Promise<Map<number, number>> {
  const leaves = forest.leaves;
  if (leaves.length === 0) return new Map();
  const chunks: ScoredChunk[] = leaves.map((i) => {
    const node = forest.nodes[i];
    const doc = forest.documents[node?.doc ?? 0];
    const chunk: ScoredChunk = { id: nodeId(doc?.docId ?? '', node?.path ?? ''), docId: doc?.docId ?? '', text: node?.text ?? '', score: 0, source: 'bm25' };
    if (doc?.title) chunk.title = doc.title;
    if (node && node.headingPath.length > 0) chunk.headingPath = node.headingPath;
    return chunk;
  });
  bm25Scores(query, chunks, memo);
  const rescored = await reranker.rerank(query, chunks, { k: chunks.length }, ctx);
  const byId = new Map(rescored.map((c) => [c.id, c.score]));
  return new Map(leaves.map((leaf, i) => [leaf, byId.get(chunks[i]?.id ?? '') ?? 0]));
}

/** Sets each chunk's score to its BM25 score against the query, document frequencies taken among the chunks. */
function bm25Scores(query: string, chunks: ScoredChunk[], memo: TextMemo): void {
  const terms = [...new Set(analyze(query))];
  if (terms.length === 0) return;
  const wanted = new Set(terms);
  const docs = chunks.map((c) => memo.get('refine.tf', c.id, `${c.title ?? ''}\n${(c.headingPath ?? []).join('\n')}\n${c.text}`, termFrequencies));
  const avg = docs.reduce((s, d) => s + d.length, 0) / docs.length || 1;
  const df = new Map<string, number>();
  for (const d of docs) for (const t of wanted) if (d.tf.has(t)) df.set(t, (df.get(t) ?? 0) + 1);
  chunks.forEach((chunk, i) => {
    const d = docs[i];
    if (!d) return;
    let score = 0;
    for (const t of terms) {
      const tf = d.tf.get(t) ?? 0;
      if (tf === 0) continue;
      const n = df.get(t) ?? 0;
      const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
      score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * d.length) / avg));
    }
    chunk.score = score;
  });
}

function termFrequencies(text: string): { tf: Map<string, number>; length: number } {
  const terms = analyze(text);
  const tf = new Map<string, number>();
  for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
  return { tf, length: terms.length };
}
