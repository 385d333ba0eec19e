import { describe, expect, it } from 'vitest';
import { sameAnswer, sameOrMention, vote, voteAsReaderResult } from '../../../src/ensemble/answer-clusters.js';
import { entropyWeights } from '../../../src/ensemble/entropy-weights.js';

const c = (text: string, prob: number, citations: number[] = [1]) => ({ text, prob, citations });

describe('entropyWeights', () => {
  it('weighs a sure member over an unsure one, exp(-beta*H) normalised', () => {
    const w = entropyWeights([0.1, 0.9], 2);
    expect(w[0]! + w[1]!).toBeCloseTo(1, 10);
    expect(w[0]! / w[1]!).toBeCloseTo(Math.exp(2 * 0.8), 6);
    expect(entropyWeights([0.3, 0.9], 0)).toEqual([0.5, 0.5]);
  });
});

describe('vote', () => {
  it('clusters the same normalised answer and near-identical ones (token F1 >= 0.8), summing weighted mass', () => {
    const v = vote([
      { name: 'a', weight: 0.5, candidates: [c('The Beatles', 0.6), c('Elvis', 0.4)] },
      { name: 'b', weight: 0.3, candidates: [c('beatles', 0.9), c('Queen', 0.1)] },
      { name: 'c', weight: 0.2, candidates: [c('Elvis Presley', 1)] },
    ]);
    const top = v.clusters[0]!;
    expect(top.answer).toBe('The Beatles');
    expect(top.members).toEqual(['a', 'b']);
    expect(top.prob).toBeCloseTo(0.5 * 0.6 + 0.3 * 0.9, 6);
    // "Elvis" and "Elvis Presley" have token F1 0.67: not the same answer.
    expect(v.clusters.map((k) => k.answer)).toContain('Elvis Presley');
    expect(v.clusters.reduce((s, k) => s + k.prob, 0)).toBeCloseTo(1, 6);
    expect(v.normalizedEntropy).toBeGreaterThan(0);
    expect(v.normalizedEntropy).toBeLessThan(1);
  });

  it('joins a shorter mention of a longer answer, ending on the same word, to it ("Jackson" to "Reggie Jackson")', () => {
    const v = vote([
      { name: 'a', weight: 0.3, candidates: [c('Jackson', 0.35), c('Ruth', 0.1)] },
      { name: 'b', weight: 0.3, candidates: [c('Jackson', 0.3), c('Ruth', 0.1)] },
      { name: 'c', weight: 0.2, candidates: [c('Reggie Jackson', 0.5)] },
      { name: 'd', weight: 0.2, candidates: [c('Babe Ruth', 0.9)] },
    ]);
    // "Babe Ruth" with "Ruth" (0.24) would beat "Jackson" alone (0.195); with "Reggie Jackson" it is 0.295.
    expect(v.clusters.map((k) => k.answer)).toEqual(['Jackson', 'Babe Ruth']);
    expect(v.clusters[0]!.members).toEqual(['a', 'c', 'b']);
    expect(v.clusters[0]!.prob + v.clusters[1]!.prob).toBeCloseTo(1, 6);
    // A date's year is its head, even after a comma.
    expect(vote([{ name: 'a', weight: 1, candidates: [c('2000', 0.5), c('March 14, 2000', 0.5)] }]).clusters).toHaveLength(1);
  });

  it('keeps a shorter mention apart where it could be either of two answers, or is not their head', () => {
    const v = vote([{ name: 'a', weight: 1, candidates: [c('Paul', 0.4), c('Justin Paul', 0.3), c('Les Paul', 0.3)] }]);
    expect(v.clusters.map((k) => k.answer).sort()).toEqual(['Les Paul', 'Paul', 'Justin Paul'].sort());
    // "Bangor, Maine" is a Bangor: "Bangor" joins it, "Maine" does not; "Elvis" is not an "Elvis Presley".
    const place = vote([{ name: 'a', weight: 1, candidates: [c('Bangor, Maine', 0.4), c('Bangor', 0.3), c('Maine', 0.2), c('Elvis', 0.05), c('Elvis Presley', 0.05)] }]);
    expect(place.clusters.map((k) => [k.answer, Number(k.prob.toFixed(2))])).toEqual([['Bangor, Maine', 0.7], ['Maine', 0.2], ['Elvis', 0.05], ['Elvis Presley', 0.05]]);
  });

  it('keeps a number apart from a longer number that merely ends on its digits ("5" and "2.5", "30" and "7:30")', () => {
    // Every member answered "3"; "5" joined to "2.5" (normalised "2 5") outvoted it.
    const v = vote([{ name: 'a', weight: 1, candidates: [c('3', 0.32), c('5', 0.2), c('2.5', 0.16), c('2', 0.15)] }]);
    expect(v.clusters[0]!.answer).toBe('3');
    expect(v.clusters.map((k) => k.answer)).toContain('2.5');
    expect(vote([{ name: 'a', weight: 1, candidates: [c('30', 0.5), c('7:30', 0.5)] }]).clusters).toHaveLength(2);
    expect(vote([{ name: 'a', weight: 1, candidates: [c('25', 0.5), c('1.25', 0.5)] }]).clusters).toHaveLength(2);
    // A whole number still joins: the year of a date, the count of a phrase.
    expect(vote([{ name: 'a', weight: 1, candidates: [c('2000', 0.5), c('February 2000', 0.5)] }]).clusters).toHaveLength(1);
    expect(vote([{ name: 'a', weight: 1, candidates: [c('1,000', 0.5), c('about 1,000', 0.5)] }]).clusters).toHaveLength(1);
  });

  it('never joins a shorter mention to a list or a range, nor numbers that differ ("1,000" and "1,000,000")', () => {
    // Before, "Smith" joined "Will Smith and Jada Smith" and outvoted "Jones"; "1990" joined "1980-1990".
    const v = vote([{ name: 'a', weight: 1, candidates: [c('Jones', 0.4), c('Smith', 0.3), c('Will Smith and Jada Smith', 0.3)] }]);
    expect(v.clusters[0]!.answer).toBe('Jones');
    expect(vote([{ name: 'a', weight: 1, candidates: [c('1990', 0.5), c('1980-1990', 0.5)] }]).clusters).toHaveLength(2);
    // Token F1 0.8 ("1 000" and "1 000 000"), but other numbers: other answers.
    const n = vote([{ name: 'a', weight: 1, candidates: [c('1,000', 0.96), c('1,000,000', 0.04)] }]);
    expect(n.clusters.map((k) => k.answer)).toEqual(['1,000', '1,000,000']);
    expect(sameAnswer('1,000', '1,000,000')).toBe(false);
    expect(sameAnswer('May 1, 1989', '1 May 1989')).toBe(true);
  });

  it('tells two answers one by the vote\'s rules, shorter mentions included (a generative ensemble\'s member support)', () => {
    expect(sameOrMention('Jackson', 'Reggie Jackson')).toBe(true);
    expect(sameOrMention('Reggie Jackson', 'reggie jackson')).toBe(true);
    expect(sameOrMention('Elvis', 'Elvis Presley')).toBe(false);
    expect(sameOrMention('5', '2.5')).toBe(false);
    expect(sameOrMention('Smith', 'Will Smith and Jada Smith')).toBe(false);
    expect(sameOrMention('', 'Jackson')).toBe(false);
  });

  it('has zero entropy when every member agrees, and none when there are no candidates', () => {
    const v = vote([
      { name: 'a', weight: 0.5, candidates: [c('42', 1)] },
      { name: 'b', weight: 0.5, candidates: [c('42.', 0.7)] },
    ]);
    expect(v.clusters).toHaveLength(1);
    expect(v.normalizedEntropy).toBe(0);
    expect(vote([{ name: 'a', weight: 1, candidates: [] }]).clusters).toEqual([]);
  });

  it('gives "none of these" its share: the voters\' weighted mean, never changing which cluster wins', () => {
    // Both members find only "Tanzania", each leaving 0.44 to "none of these": agreeing does not make it certain.
    const agree = vote([
      { name: 'a', weight: 0.5, candidates: [c('Tanzania', 0.56)], unsupported: 0.44 },
      { name: 'b', weight: 0.5, candidates: [c('Tanzania', 0.56)], unsupported: 0.44 },
    ]);
    expect(agree.clusters[0]!.prob).toBeCloseTo(0.56, 10);
    expect(agree.unsupported).toBeCloseTo(0.44, 10);
    expect(agree.normalizedEntropy).toBeGreaterThan(0.9);
    const mixed = [
      { name: 'a', weight: 0.75, candidates: [c('X', 0.6), c('Y', 0.4)] },
      { name: 'b', weight: 0.25, candidates: [c('Y', 0.2)], unsupported: 0.8 },
    ];
    const without = vote(mixed.map(({ name, weight, candidates }) => ({ name, weight, candidates })));
    const withNone = vote(mixed);
    expect(withNone.unsupported).toBeCloseTo(0.2, 10);
    expect(withNone.clusters.map((k) => k.answer)).toEqual(without.clusters.map((k) => k.answer));
    withNone.clusters.forEach((k, i) => expect(k.prob).toBeCloseTo(0.8 * without.clusters[i]!.prob, 10));
    expect(voteAsReaderResult(withNone)).toMatchObject({ unsupported: 0.2 });
    expect(without.unsupported).toBeUndefined();
  });
});
