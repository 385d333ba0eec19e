import { describe, expect, it } from 'vitest';
import { truncateEncoding, type Encoding } from '../../../src/models/truncate-encoding.js';

/** Truncation as Hugging Face tokenizers do it ("longest_first"), the special tokens kept. */

const CLS = 101;
const SEP = 102;

/** BERT's template: [CLS] A [SEP] (B [SEP]), segment 1 for B. */
function bert(a: number[], b: number[] | null): Encoding {
  const ids = b ? [CLS, ...a, SEP, ...b, SEP] : [CLS, ...a, SEP];
  const types = b ? [...Array<number>(a.length + 2).fill(0), ...Array<number>(b.length + 1).fill(1)] : Array<number>(a.length + 2).fill(0);
  return { inputIds: ids, attentionMask: ids.map(() => 1), tokenTypeIds: types };
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('truncateEncoding', () => {
  it('leaves an encoding within the limit untouched', () => {
    const e = bert([1, 2, 3], [4, 5]);
    expect(truncateEncoding(e, 8, [1, 2, 3], [4, 5])).toBe(e);
  });

  it('cuts a single text and keeps [CLS] and the final [SEP]', () => {
    const a = range(1, 10);
    const out = truncateEncoding(bert(a, null), 6, a, null);
    expect(out.inputIds).toEqual([CLS, 1, 2, 3, 4, SEP]);
    expect(out.attentionMask).toEqual([1, 1, 1, 1, 1, 1]);
    expect(out.tokenTypeIds).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('cuts the longer text of a pair first: a short query stays whole, the passage is shortened', () => {
    const q = [1, 2];
    const p = range(10, 20);
    const out = truncateEncoding(bert(q, p), 10, q, p);
    expect(out.inputIds).toEqual([CLS, 1, 2, SEP, 10, 11, 12, 13, 14, SEP]);
    expect(out.tokenTypeIds).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  });

  it('shortens both texts by turns once they are even, the second one first', () => {
    const a = range(1, 6);
    const b = range(20, 6);
    // 15 tokens, 3 of them special, a budget of 9: three come off, two from the second text and one from the first.
    const out = truncateEncoding(bert(a, b), 12, a, b);
    expect(out.inputIds).toEqual([CLS, 1, 2, 3, 4, 5, SEP, 20, 21, 22, 23, SEP]);
  });

  it('finds the special tokens of other templates (XLM-R: <s> A </s></s> B </s>)', () => {
    const a = [5, 6, 7];
    const b = range(30, 8);
    const ids = [0, ...a, 2, 2, ...b, 2];
    const out = truncateEncoding({ inputIds: ids, attentionMask: ids.map(() => 1) }, 10, a, b);
    expect(out.inputIds).toEqual([0, 5, 6, 7, 2, 2, 30, 31, 32, 2]);
    expect(out.tokenTypeIds).toBeUndefined();
  });

  it('falls back to cutting the tail when the texts cannot be found in the encoding', () => {
    const ids = [CLS, 1, 2, 3, 4, 5, SEP];
    const out = truncateEncoding({ inputIds: ids, attentionMask: ids.map(() => 1) }, 4, [9, 9], null);
    expect(out.inputIds).toEqual([CLS, 1, 2, 3]);
  });
});
