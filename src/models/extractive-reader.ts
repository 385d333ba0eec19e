import { analyze } from '../core/analyzer.js';
import type { RunContext } from '../core/run-context.js';
import type { Candidate, Passage, ReaderResult } from '../core/types.js';
import { entropy, normalizedEntropy, softmax } from './entropy.js';

export interface ExtractiveReaderOptions {
  /** Candidates kept in the distribution. */
  maxCandidates: number;
  /** Softmax temperature over candidate scores in [0, 1]: lower is more decisive. */
  temperature: number;
}

interface Scored {
  text: string;
  key: string;
  score: number;
  citations: Set<number>;
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/**
 * The default reader, with no model: every sentence of the passages is a candidate answer, scored by the
 * rarity-weighted share of the query's terms it holds, how well its passage ranked, and a small preference for
 * informative length; a sentence that only repeats the question is not a candidate. Scores become a probability
 * distribution (softmax), whose entropy says how sure the reader is.
 */
export class ExtractiveReader {
  readonly name = 'extractive';

  constructor(private readonly options: ExtractiveReaderOptions = { maxCandidates: 8, temperature: 0.08 }) {}

  async answer(query: string, passages: readonly Passage[], ctx: RunContext): Promise<ReaderResult> {
    return ctx.span('read.extractive', () => this.read(query, passages), (r) => ({
      candidates: r.candidates.length,
      entropy: Number(r.entropy.toFixed(4)),
    }));
  }

  private read(query: string, passages: readonly Passage[]): ReaderResult {
    const queryTerms = new Set(analyze(query));
    const sentences = passages.flatMap((p, i) =>
      [...segmenter.segment(p.text)].map((s) => ({ text: s.segment.trim(), passage: i + 1 })).filter((s) => s.text.length > 0),
    );
    if (queryTerms.size === 0 || sentences.length === 0) return { candidates: [], entropy: 0, normalizedEntropy: 0 };

    const analysed = sentences.map((s) => analyze(s.text));
    const weight = new Map<string, number>();
    for (const t of queryTerms) {
      const df = analysed.reduce((n, terms) => n + (terms.includes(t) ? 1 : 0), 0);
      weight.set(t, df === 0 ? 0 : Math.log(1 + sentences.length / df));
    }
    const totalWeight = [...weight.values()].reduce((a, b) => a + b, 0);
    if (totalWeight === 0) return { candidates: [], entropy: 0, normalizedEntropy: 0 };

    const byKey = new Map<string, Scored>();
    sentences.forEach((sentence, i) => {
      const terms = analysed[i] ?? [];
      const matched = new Set(terms.filter((t) => queryTerms.has(t)));
      if (matched.size === 0) return;
      const novel = terms.filter((t) => !queryTerms.has(t)).length;
      if (novel < 2) return; // only repeats the question: it cannot be the answer
      const coverage = [...matched].reduce((s, t) => s + (weight.get(t) ?? 0), 0) / totalWeight;
      const rankPrior = 1 / Math.sqrt(sentence.passage);
      const informative = Math.min(1, novel / 12);
      const score = 0.7 * coverage + 0.2 * rankPrior + 0.1 * informative;
      const key = sentence.text.toLowerCase().replace(/\s+/g, ' ');
      const seen = byKey.get(key);
      if (seen) {
        seen.citations.add(sentence.passage);
        seen.score = Math.max(seen.score, score);
      } else byKey.set(key, { text: sentence.text, key, score, citations: new Set([sentence.passage]) });
    });

    const top = [...byKey.values()].sort((a, b) => b.score - a.score).slice(0, this.options.maxCandidates);
    const probs = softmax(
      top.map((c) => c.score),
      this.options.temperature,
    );
    const candidates: Candidate[] = top.map((c, i) => ({
      text: c.text,
      prob: Number((probs[i] ?? 0).toFixed(6)),
      citations: [...c.citations].sort((a, b) => a - b),
    }));
    return { candidates, entropy: entropy(probs), normalizedEntropy: normalizedEntropy(probs) };
  }
}
