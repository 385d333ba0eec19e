import { describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import { TextMemo } from '../../../src/core/text-memo.js';
import type { ScoredChunk } from '../../../src/core/types.js';
import { LexicalReranker } from '../../../src/rerankers/lexical-reranker.js';

const chunk = (id: string, text: string, score: number): ScoredChunk => ({ id, docId: id, text, score, source: 'bm25' });

describe('LexicalReranker', () => {
  const reranker = new LexicalReranker(new TextMemo());
  const rerank = (query: string, chunks: ScoredChunk[]) => reranker.rerank(query, chunks, { k: chunks.length }, new RunContext());

  it('lifts the chunk holding more of the rare query terms, close together', async () => {
    const ranked = await rerank('glacier ice melt', [
      chunk('a', 'The valley was green and the river ran fast.', 2),
      chunk('b', 'Glacier ice melt raises the river each summer.', 1.9),
      chunk('c', 'Ice forms on the lake.', 1.8),
    ]);
    expect(ranked.map((c) => c.id)).toEqual(['b', 'a', 'c']);
    expect(ranked[0]?.source).toBe('lexical');
  });

  it('does not count a how-to frame: a chunk quoting "how do I" gains nothing from it', async () => {
    const ranked = await rerank('how do I ingest documents?', [
      chunk('quote', 'Ask the server: how do I ingest documents? It answers.', 1),
      chunk('answer', 'To ingest documents, POST them to the documents endpoint.', 1.05),
      chunk('other', 'The playground streams answers.', 0.5),
    ]);
    expect(ranked[0]?.id).toBe('answer');
  });

  it('ranks the chunk whose query terms stand closest together first, wherever else they recur', async () => {
    const filler = 'the weather stayed mild all week and nobody minded';
    const ranked = await rerank('harbour lighthouse', [
      chunk('apart', `harbour ${filler} ${filler} lighthouse ${filler} harbour`, 1),
      chunk('together', `lighthouse ${filler} then the harbour lighthouse stood ${filler} lighthouse`, 1),
      chunk('one', `harbour ${filler}`, 1),
    ]);
    expect(ranked.map((c) => c.id)).toEqual(['together', 'apart', 'one']);
    // Same coverage, so only the window tells them apart. The filler is 7 terms: 'together' holds both in a window
    // of 2 (a whole 0.1); in 'apart' the closest pair is the lighthouse and the second harbour, a window of 9.
    expect((ranked[0]?.score ?? 0) - (ranked[1]?.score ?? 0)).toBeCloseTo(0.1 * (1 - 2 / 9), 9);
  });
});
