import { describe, expect, it } from 'vitest';
import type { TokenLogprob } from '../../../src/models/chat-types.js';
import { tokenStats, tokensInRange, tokensWriting } from '../../../src/models/token-entropy.js';

const t = (token: string, p: number, top: number[]): TokenLogprob => ({ token, logprob: Math.log(p), top: top.map((q, i) => ({ token: `${token}${i}`, logprob: Math.log(q) })) });

describe('tokenStats', () => {
  it('renormalises each top-k and averages entropies; the sequence logprob is the sum', () => {
    // Top-2 of 0.4 and 0.4 renormalises to uniform: ln 2, normalised 1. A single alternative: 0.
    const s = tokenStats([t('a', 0.4, [0.4, 0.4]), t('b', 0.5, [0.5])]);
    expect(s.tokens).toBe(2);
    expect(s.meanEntropy).toBeCloseTo(Math.log(2) / 2, 10);
    expect(s.meanNormalizedEntropy).toBeCloseTo(0.5, 10);
    expect(s.sumLogprob).toBeCloseTo(Math.log(0.2), 10);
    expect(s.meanLogprob).toBeCloseTo(Math.log(0.2) / 2, 10);
  });
  it('is all zeros for no tokens, and ignores alternatives with no finite logprob', () => {
    expect(tokenStats([])).toEqual({ tokens: 0, meanEntropy: 0, meanNormalizedEntropy: 0, sumLogprob: 0, meanLogprob: 0 });
    const s = tokenStats([{ token: 'a', logprob: 0, top: [{ token: 'a', logprob: 0 }, { token: 'b', logprob: Number.NEGATIVE_INFINITY }] }]);
    expect(s.meanEntropy).toBe(0);
  });
});

describe('tokensInRange', () => {
  const tokens = [t('Ans', 1, []), t('wer: ', 1, []), t('New', 1, []), t(' York', 1, [])];
  it('returns the tokens overlapping the range', () => {
    const text = 'Answer: New York';
    expect(tokensInRange(tokens, text, 8, 16).map((x) => x.token)).toEqual(['New', ' York']);
    expect(tokensInRange(tokens, text, 7, 9).map((x) => x.token)).toEqual(['wer: ', 'New']);
  });
  it('returns every token when they do not spell the text', () => {
    expect(tokensInRange(tokens, 'something else', 0, 3)).toHaveLength(4);
  });
});

describe('tokensWriting', () => {
  const spell = (...pieces: string[]): TokenLogprob[] => pieces.map((p) => t(p, 0.9, [0.9]));
  it('finds the tokens that wrote a text inside a tool call, JSON-escaped there', () => {
    const tokens = spell('{"answer":"', 'He said ', '\\"', 'hi', '\\"', '","citations":[]}');
    expect(tokensWriting(tokens, 'He said "hi"')?.map((x) => x.token)).toEqual(['He said ', '\\"', 'hi', '\\"']);
  });
  it('takes the last occurrence, and is undefined when the tokens never wrote the text', () => {
    const tokens = spell('Paris', ' is it: ', '{"answer":"', 'Paris', '"}');
    expect(tokensWriting(tokens, 'Paris')).toEqual([tokens[3]]);
    expect(tokensWriting(spell('I will answer now.'), 'Paris')).toBeUndefined();
    expect(tokensWriting(tokens, '')).toBeUndefined();
  });
});

describe('probabilities stay probabilities', () => {
  it('a logprob above 0 counts as 0, and a uniform choice has normalised entropy 1 at most', () => {
    expect(tokenStats([{ token: 'a', logprob: 0.5, top: [{ token: 'a', logprob: 0.5 }] }]).meanLogprob).toBe(0);
    const uniform = Array.from({ length: 5 }, (_, i) => ({ token: `t${i}`, logprob: Math.log(0.2) }));
    expect(tokenStats([{ token: 't0', logprob: Math.log(0.2), top: uniform }]).meanNormalizedEntropy).toBeLessThanOrEqual(1);
  });
});

