import { describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import { TextMemo } from '../../../src/core/text-memo.js';
import type { Passage } from '../../../src/core/types.js';
import { ExtractiveReader } from '../../../src/models/extractive-reader.js';
import { Reader, type ReaderEvent, type ReaderOutput } from '../../../src/models/reader.js';

const PASSAGES: Passage[] = [
  { chunkId: 'a', docId: 'd1', text: 'To ingest documents, POST them to /v1/documents as a JSON batch.', score: 2, tokens: 14 },
  { chunkId: 'b', docId: 'd2', text: 'Pasta is boiled in salted water.', score: 1, tokens: 7 },
];

describe('Reader (through the extractive reader)', () => {
  it('answer() records a read.<name> span with the candidate count and entropy', async () => {
    const reader: Reader = new ExtractiveReader(new TextMemo());
    const ctx = new RunContext();
    const r = await reader.answer('how do I ingest documents?', PASSAGES, ctx);
    expect(r.candidates[0]?.text).toBe('To ingest documents, POST them to /v1/documents as a JSON batch.');
    expect(r.candidates[0]?.citations).toEqual([1]);
    expect(reader.spanName).toBe('read.extractive');
    expect(ctx.trace.spans).toEqual([expect.objectContaining({ name: 'read.extractive', attrs: { candidates: r.candidates.length, entropy: Number(r.entropy.toFixed(4)) } })]);
  });

  it('stream() of a reader that cannot stream yields the result alone, the same as answer()', async () => {
    const reader = new ExtractiveReader(new TextMemo());
    const ctx = new RunContext();
    const events: ReaderEvent[] = [];
    for await (const e of reader.stream('how do I ingest documents?', PASSAGES, ctx)) events.push(e);
    expect(events).toEqual([{ type: 'result', result: await reader.answer('how do I ingest documents?', PASSAGES, new RunContext()) }]);
    expect(ctx.trace.spans.map((s) => s.name)).toEqual(['read.extractive']);
  });

  it('stream() records the error of a failing reader on its span, and rethrows', async () => {
    class Failing extends Reader {
      readonly name = 'failing';
      protected doAnswer(): ReaderOutput {
        throw new Error('no model');
      }
    }
    const ctx = new RunContext();
    await expect(async () => {
      for await (const e of new Failing().stream('q', PASSAGES, ctx)) void e;
    }).rejects.toThrow('no model');
    expect(ctx.trace.spans[0]).toMatchObject({ name: 'read.failing', attrs: { error: 'no model' } });
  });
});
