import { analyze } from '../core/analyzer.js';
import type { TextMemo } from '../core/text-memo.js';
import { withoutQuestionFrame } from '../query/question-frame.js';
import type { ScoredChunk } from '../core/types.js';
import { Reranker } from './reranker.js';

interface Analysed {
  terms: string[];
  set: Set<string>;
}

const analyseChunk = (text: string): Analysed => {
  const terms = analyze(text);
  return { terms, set: new Set(terms) };
};

/**
 * A model-free reranker over features a first-stage BM25 score ignores: how many of the query's distinct terms a
 * chunk covers (weighted by their rarity within the candidates) and how close together they occur. The BM25
 * score, min-max normalised, stays the main signal so the reranker refines rather than overturns the ranking.
 */
export class LexicalReranker extends Reranker {
  readonly name = 'lexical';

  constructor(private readonly memo: TextMemo) {
    super();
  }

  protected doRerank(query: string, chunks: ScoredChunk[], options: { k: number }): ScoredChunk[] {
    const queryTerms = [...new Set(analyze(withoutQuestionFrame(query)))];
    if (queryTerms.length === 0 || chunks.length === 0) return chunks.slice(0, options.k);
    // Keyed by the chunk with its (short) title and heading path, checked against its text: no long string is
    // built per chunk per query.
    const docs = chunks.map((c) => {
      const heading = (c.headingPath ?? []).join('\n');
      return this.memo.get('rerank', `${c.id}\u0000${c.title ?? ''}\u0000${heading}`, c.text, (text) => analyseChunk(`${c.title ?? ''}\n${heading}\n${text}`));
    });

    // Rarity among the candidates: a term every candidate has does not discriminate between them.
    const weight = new Map<string, number>();
    for (const t of queryTerms) {
      const df = docs.reduce((n, d) => n + (d.set.has(t) ? 1 : 0), 0);
      weight.set(t, Math.log(1 + (chunks.length + 1) / (df + 0.5)));
    }
    const totalWeight = [...weight.values()].reduce((a, b) => a + b, 0) || 1;

    const scores = chunks.map((c) => c.score);
    const min = Math.min(...scores);
    const span = Math.max(...scores) - min || 1;

    const rescored = chunks.map((chunk, i) => {
      const { terms, set } = docs[i] ?? { terms: [], set: new Set<string>() };
      const present = queryTerms.filter((t) => set.has(t));
      const coverage = present.reduce((s, t) => s + (weight.get(t) ?? 0), 0) / totalWeight;
      const proximity = present.length >= 2 ? windowScore(terms, present) : 0;
      const first = (chunk.score - min) / span;
      return { ...chunk, score: 0.6 * first + 0.3 * coverage + 0.1 * proximity, source: this.name };
    });
    return rescored.sort((a, b) => b.score - a.score).slice(0, options.k);
  }
}

/**
 * 1 when all present query terms occur within a window as short as their number, falling with the window. Slides
 * over the occurrences of those terms only, collected in one pass.
 */
function windowScore(terms: readonly string[], present: readonly string[]): number {
  const index = new Map(present.map((t, i) => [t, i]));
  const occurrences: Array<[number, number]> = [];
  terms.forEach((t, at) => {
    const i = index.get(t);
    if (i !== undefined) occurrences.push([at, i]);
  });
  const counts = new Array<number>(present.length).fill(0);
  let have = 0;
  let best = Number.POSITIVE_INFINITY;
  let left = 0;
  for (const [at, term] of occurrences) {
    counts[term] = (counts[term] ?? 0) + 1;
    if (counts[term] === 1) have++;
    while (have === present.length) {
      const [first, firstTerm] = occurrences[left] as [number, number];
      best = Math.min(best, at - first + 1);
      counts[firstTerm] = (counts[firstTerm] ?? 0) - 1;
      if (counts[firstTerm] === 0) have--;
      left++;
    }
  }
  return Number.isFinite(best) ? present.length / best : 0;
}
