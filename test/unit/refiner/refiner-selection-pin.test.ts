import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src/core/analyzer.js';
import { RunContext } from '../../../src/core/run-context.js';
import { TextMemo } from '../../../src/core/text-memo.js';
import type { StructureNode } from '../../../src/core/types.js';
import { HierarchicalRefiner } from '../../../src/refiner/hierarchical-refiner.js';
import { QueryFormClassifier } from '../../../src/refiner/query-form-classifier.js';
import type { RefineDocument } from '../../../src/refiner/refine-tree.js';
import { TitleMatchSelector } from '../../../src/refiner/title-match-selector.js';
import { estimateTokenCounter } from '../../../src/refiner/token-counter.js';
import { LexicalReranker } from '../../../src/rerankers/lexical-reranker.js';
import { Bm25Index } from '../../../src/retrievers/bm25-index.js';
import { syntheticCorpus } from '../../helpers/synthetic-corpus.js';

/**
 * Pins what the refiner selects, and the scores, on a fixed made-up corpus: eight documents of three sections each,
 * with paragraphs long enough to be cut into units. Work that should not change results (caching, fewer
 * allocations) must leave every line here as it is; a deliberate change of the method updates them.
 */
const corpus = syntheticCorpus({ documents: 24, queries: 6, vocabulary: 500, seed: 11 });
const documents: RefineDocument[] = Array.from({ length: 8 }, (_, d) => {
  const parts = corpus.documents.slice(d * 3, d * 3 + 3);
  const section = (i: number): StructureNode => ({
    kind: 'section',
    title: parts[i]?.title ?? '',
    level: 1,
    children: (parts[i]?.text ?? '').split('\n\n').map((text) => ({ kind: 'paragraph', text, level: 1, children: [] })),
  });
  return { docId: `doc${d}`, title: `Document ${d}`, structure: { kind: 'document', title: `Document ${d}`, level: 0, children: [0, 1, 2].map(section) } };
});
const index = new Bm25Index({ k1: 0.9, b: 0.4 });
corpus.documents.forEach((doc, i) => index.add(i, analyze(`${doc.title}\n${doc.text}`)));

async function selections(withStats: boolean): Promise<string[]> {
  const memo = new TextMemo();
  const refiner = new HierarchicalRefiner(
    {
      scorer: new LexicalReranker(memo),
      analyzer: new QueryFormClassifier(),
      selector: new TitleMatchSelector(),
      tokens: estimateTokenCounter,
      memo,
      ...(withStats ? { terms: () => index } : {}),
    },
    { maxUnitWords: 40 },
  );
  const run = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const q of corpus.queries.slice(0, 4)) {
      for (const budget of [80, 300]) {
        const r = await refiner.refine(q.text, documents, budget, new RunContext());
        out.push(`${budget}: ${r.passages.map((p) => `${p.chunkId}@${p.score.toFixed(6)}`).join(' ')}`);
      }
    }
    return out;
  };
  // The second pass reads what the first cached: it must select the same.
  const first = await run();
  expect(await run()).toEqual(first);
  return first;
}

describe('refiner selection on a fixed corpus', () => {
  it("with the request's term weights", async () => {
    expect(await selections(false)).toEqual([
      '80: doc5#2.2@0.827681',
      '300: doc2#2.0.1@0.510479 doc5#2.0.2@0.605903 doc5#2.2@0.827681 doc6#1.1@0.656149 doc6#2.1.1@0.779821 doc7#1.2.3@0.459777',
      '80: doc2#1.0.1@1.000000 doc3#0.3.2@0.483503 doc5#2.3.1@0.490505',
      '300: doc2#1@0.837730 doc3#0.1.2@0.306198 doc3#0.2.1@0.658048 doc3#0.3@0.582889 doc3#1.2.1@0.678106',
      // Fragments below the mean that share no word with the question no longer fill the room (nor at 300 below).
      '80: doc5#1@1.500000 doc5#2.3.1@0.467604',
      '300: doc3#0.0.2@0.632906 doc5#0@0.572922 doc5#1@1.500000 doc5#2.3.0@0.527927 doc6#0.0.0@0.612437 doc7#2.3.0@0.686202',
      '80: doc6#1.1.1@1.000000 doc7#2.0.1@0.782859',
      '300: doc0#0.1.0@0.707573 doc6#1.1@0.637068 doc7#2.0.1@0.782859 doc7#2.1.2@0.786621 doc7#2.3.0@0.927955',
    ]);
  });

  it("with the corpus's term weights", async () => {
    expect(await selections(true)).toEqual([
      '80: doc5#2.2@0.817317',
      '300: doc4#0.1.0@0.622192 doc5#2.0.2@0.575531 doc5#2.2@0.817317 doc6#1.1@0.601169 doc6#2.1.1@0.712895',
      '80: doc2#1.0.1@1.000000 doc3#0.3.2@0.471551 doc5#2.3.1@0.472383',
      '300: doc2#1@0.822180 doc3#0.2.1@0.617888 doc3#0.3.1@0.701706 doc3#0.3.2@0.471551 doc3#1.2@0.620480 doc5#2.3.1@0.472383',
      '80: doc4#0.1.2@0.454757 doc5#1@1.500000',
      '300: doc3#0.0.2@0.647156 doc4#0.1.2@0.454757 doc5#0.1@0.595438 doc5#1@1.500000 doc6#0.0.0@0.549111 doc6#1.0@0.603086 doc7#2.3.0@0.608587',
      '80: doc6#1.1.1@1.000000 doc7#2.0.1@0.769977',
      '300: doc0#0.1.0@0.704083 doc6#1.1.1@1.000000 doc7#2.0.1@0.769977 doc7#2.1.2@0.773801 doc7#2.2@0.689188 doc7#2.3.0@0.992205',
    ]);
  });
});
