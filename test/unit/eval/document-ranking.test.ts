import { describe, expect, it } from 'vitest';
import { documentRanking } from '../../../src/eval/document-ranking.js';

describe('documentRanking', () => {
  it("ranks each document at its best chunk's place, once, without the query's own id", () => {
    expect(documentRanking(['d2', 'q1', 'd1', 'd2', 'd3', 'd1'], 'q1')).toEqual(['d2', 'd1', 'd3']);
  });

  it('takes any iterable of document ids', () => {
    function* ids(): Generator<string> {
      yield 'a';
      yield 'a';
      yield 'b';
    }
    expect(documentRanking(ids(), 'x')).toEqual(['a', 'b']);
  });
});
