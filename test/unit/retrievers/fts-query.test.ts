import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftsMatchExpression } from '../../../src/retrievers/fts-query.js';
import { SqliteStore } from '../../../src/store/sqlite-store.js';
import { preparedDoc } from '../../helpers/store.js';

let store: SqliteStore;
beforeAll(() => {
  store = new SqliteStore(':memory:');
  store.upsert([
    preparedDoc('a', ['unbalanced quotes near the term foo and bar']),
    preparedDoc('b', ['col term x y running café']),
    preparedDoc('c', ['nothing to see']),
    preparedDoc('d', ['filler one']),
    preparedDoc('e', ['filler two']),
  ]);
});
afterAll(() => store.close());

describe('ftsMatchExpression', () => {
  it('quotes every word and joins them with OR', () => {
    expect(ftsMatchExpression('Running Dogs', 10)).toBe('"running" OR "dogs"');
  });

  it('drops stop words and repeats, folds case and diacritics', () => {
    expect(ftsMatchExpression('The CAFÉ and the café of cafe', 10)).toBe('"cafe"');
  });

  const hostile = [
    '"unbalanced',
    'a AND b',
    'x OR',
    'NOT bar',
    'NEAR(x y)',
    'NEAR(x y, 3)',
    'foo*',
    '-bar',
    'col:term',
    '{col}: term',
    '^x',
    '(a OR b)',
    'a + b',
    "it's \"quoted\" 'single'",
    'x"y',
    'café ∑ 東京 😀',
    'title:unbalanced body:foo',
  ];

  for (const input of hostile) {
    it(`makes an expression FTS5 accepts from ${JSON.stringify(input)}`, () => {
      const match = ftsMatchExpression(input, 64);
      expect(match).not.toBeNull();
      expect(() => store.ftsSearch(match ?? '', 10)).not.toThrow();
      // Only the quoted-term syntax remains.
      expect(match ?? '').toMatch(/^"[^"]+"( OR "[^"]+")*$/);
    });
  }

  it('finds the documents holding the words of a hostile query', () => {
    const rowOf = (docId: string): number => [...store.rowidsMatching({ docId })][0] ?? -1;
    expect(store.ftsSearch(ftsMatchExpression('"unbalanced', 64) ?? '', 10).map((h) => h.rowid)).toEqual([rowOf('a')]);
    expect(store.ftsSearch(ftsMatchExpression('col:running', 64) ?? '', 10).map((h) => h.rowid)).toEqual([rowOf('b')]);
    expect(store.ftsSearch(ftsMatchExpression('-bar', 64) ?? '', 10).map((h) => h.rowid)).toEqual([rowOf('a')]);
    expect(store.ftsSearch(ftsMatchExpression('runs', 64) ?? '', 10).map((h) => h.rowid)).toEqual([rowOf('b')]);
    expect(store.ftsSearch(ftsMatchExpression('CAFE', 64) ?? '', 10).map((h) => h.rowid)).toEqual([rowOf('b')]);
  });

  it('returns null when only stop words or punctuation are left', () => {
    for (const input of ['', '   ', 'the and of', 'A AND OR', '!!! ??? ...', '"()*^-:"', 'to be or not to be']) {
      expect(ftsMatchExpression(input, 64), JSON.stringify(input)).toBeNull();
    }
  });

  it('keeps the longest words when there are more than maxTerms', () => {
    const match = ftsMatchExpression('ab abcdef abc abcdefgh abcd', 2);
    expect(match).toBe('"abcdefgh" OR "abcdef"');
    expect(ftsMatchExpression('one two three', 3)).toBe('"one" OR "two" OR "three"');
  });
});
