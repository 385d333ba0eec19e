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

  it('does not count the inverted "can I" of a question, wherever it stands', async () => {
    // "I" and "can" are rare among documentation's chunks: before, the one quoting "can I" covered the most weight.
    const ranked = await rerank('which file formats can I ingest?', [
      chunk('quote', 'Ask it anything: can I ingest a folder? I can, it says.', 1.05),
      chunk('answer', 'File formats: Markdown, HTML and text are ingested.', 1),
      chunk('other', 'The playground streams answers.', 0.5),
    ]);
    expect(ranked[0]?.id).toBe('answer');
  });

  it('puts first, for "what is X?", the chunk that says what X is, over chunks that repeat X more', async () => {
    const chunks = [
      chunk('costs', 'The ensemble costs what its members do not share. The ensemble runs them at once; the ensemble votes.', 4.3),
      chunk('wall', 'Wall time: the ensemble takes 4 ms, the ensemble of LLM members 1.00x.', 4),
      chunk('lead', 'Ensembles run side by side. An ensemble is several pipelines answering the same question.', 2.3),
    ];
    const ranked = await rerank('what is the ensemble?', chunks);
    // Before, BM25's order stood: the definition came third and fell out of a small context budget.
    expect(ranked[0]?.id).toBe('lead');
    // Any other question keeps the first-stage order here.
    expect((await rerank('ensemble costs', chunks))[0]?.id).toBe('costs');
    // "X is" inside a clause ("once the ensemble is back") is no definition.
    const clause = await rerank('what is the ensemble?', [chunks[0]!, chunk('clause', 'Retry once the ensemble is back.', 2.3)]);
    expect(clause[0]?.id).toBe('costs');
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
