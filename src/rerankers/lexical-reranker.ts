import { analyze } from '../core/analyzer.js';
import type { TextMemo } from '../core/text-memo.js';
import { definitionPattern } from '../models/definition-pattern.js';
import { questionContent } from '../query/question-frame.js';
import type { ScoredChunk } from '../core/types.js';
import { Reranker } from './reranker.js';

/**
 * A chunk's terms as where each occurs: `slot` maps a term to its run in `positions` (from `starts[slot]` to
 * `starts[slot + 1]`, ascending). A query's window then walks the occurrences of its own terms only, not the whole
 * chunk.
 */
interface Analysed {
  slot: Map<string, number>;
  starts: Int32Array;
  positions: Int32Array;
}

const analyseChunk = (text: string): Analysed => {
  const terms = analyze(text);
  const slot = new Map<string, number>();
  const counts: number[] = [];
  for (const t of terms) {
    const s = slot.get(t);
    if (s === undefined) {
      slot.set(t, counts.length);
      counts.push(1);
    } else counts[s] = (counts[s] ?? 0) + 1;
  }
  const starts = new Int32Array(counts.length + 1);
  counts.forEach((n, s) => (starts[s + 1] = (starts[s] ?? 0) + n));
  const fill = starts.slice(0, counts.length);
  const positions = new Int32Array(terms.length);
  terms.forEach((t, at) => {
    const s = slot.get(t) as number;
    positions[fill[s] ?? 0] = at;
    fill[s] = (fill[s] ?? 0) + 1;
  });
  return { slot, starts, positions };
};

/**
 * A model-free reranker over features a first-stage BM25 score ignores: how many of the query's distinct terms a
 * chunk covers (weighted by their rarity within the candidates) and how close together they occur. The BM25
 * score, min-max normalised, stays the main signal so the reranker refines rather than overturns the ranking.
 * For a definitional question ("what is the ensemble?"), a chunk that holds a sentence defining the subject ("An
 * ensemble is ...") comes first: BM25 favours the chunks that repeat the word most, seldom the one that says what
 * it is.
 */
export class LexicalReranker extends Reranker {
  readonly name = 'lexical';

  constructor(private readonly memo: TextMemo) {
    super();
  }

  protected doRerank(query: string, chunks: ScoredChunk[], options: { k: number }): ScoredChunk[] {
    const queryTerms = [...new Set(analyze(questionContent(query)))];
    const defines = definitionPattern(query, false);
    if (queryTerms.length === 0 || chunks.length === 0) return chunks.slice(0, options.k);
    // Keyed by the chunk with its (short) title and heading path, checked against its text: no long string is
    // built per chunk per query.
    const docs = chunks.map((c) => {
      const heading = (c.headingPath ?? []).join('\n');
      return this.memo.get('rerank', `${c.id}\u0000${c.title ?? ''}\u0000${heading}`, c.text, (text) => analyseChunk(`${c.title ?? ''}\n${heading}\n${text}`));
    });

    // Where each query term sits in each candidate (its slot there), looked up once: the term's rarity and the
    // chunk's coverage and window all read from it.
    const slots = docs.map((d) => queryTerms.map((t) => d.slot.get(t)));
    // Rarity among the candidates: a term every candidate has does not discriminate between them.
    const weights = queryTerms.map((_, t) => {
      const df = slots.reduce((n, held) => n + (held[t] === undefined ? 0 : 1), 0);
      return Math.log(1 + (chunks.length + 1) / (df + 0.5));
    });
    const totalWeight = weights.reduce((a, b) => a + b, 0) || 1;

    const scores = chunks.map((c) => c.score);
    const min = Math.min(...scores);
    const span = Math.max(...scores) - min || 1;

    const rescored = chunks.map((chunk, i) => {
      const held = slots[i] ?? [];
      const present: number[] = [];
      let covered = 0;
      held.forEach((slot, t) => {
        if (slot === undefined) return;
        present.push(slot);
        covered += weights[t] ?? 0;
      });
      const coverage = covered / totalWeight;
      const proximity = present.length >= 2 ? windowScore(docs[i] as Analysed, present) : 0;
      const first = (chunk.score - min) / span;
      const definition = defines?.test(chunk.text) === true ? DEFINITION_BONUS : 0;
      return { ...chunk, score: 0.6 * first + 0.3 * coverage + 0.1 * proximity + definition, source: this.name };
    });
    return rescored.sort((a, b) => b.score - a.score).slice(0, options.k);
  }
}

/**
 * What a chunk that defines a definitional question's subject gains: as much as every other feature together (their
 * weights sum to 1), so it leads the context (a long one would otherwise not fit the budget after the chunks above it).
 */
const DEFINITION_BONUS = 1;

/**
 * 1 when all present query terms (given by their slots in the chunk) occur within a window as short as their
 * number, falling with the window. Slides over the occurrences of those terms only, in the order they occur.
 */
function windowScore(doc: Analysed, present: readonly number[]): number {
  const occurrences: Array<[number, number]> = [];
  present.forEach((s, i) => {
    for (let k = doc.starts[s] ?? 0; k < (doc.starts[s + 1] ?? 0); k++) occurrences.push([doc.positions[k] ?? 0, i]);
  });
  occurrences.sort((a, b) => a[0] - b[0]);
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
