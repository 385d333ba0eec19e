import { describe, expect, it } from 'vitest';
import { sentenceSpans, wordGap } from '../../../src/models/sentence-spans.js';

describe('sentenceSpans', () => {
  const sentence = 'The Eiffel Tower was completed in March 1889 by Gustave Eiffel.';
  const { words, spans } = sentenceSpans(sentence);

  it('keeps every word with its offsets and its index term (none for a stop word)', () => {
    expect(words).toHaveLength(11);
    expect(words[0]).toEqual({ at: 0, end: 3, term: undefined });
    expect(words[1]).toEqual({ at: 4, end: 10, term: 'eiffel' });
    expect(words[4]).toMatchObject({ term: 'complet' });
  });

  it('analyses each candidate span once: its terms and its normalised text', () => {
    const date = spans.find((s) => s.kind === 'date');
    expect(date).toMatchObject({ text: 'March 1889', key: 'march 1889', terms: ['march', '1889'] });
    const name = spans.find((s) => s.text === 'Gustave Eiffel');
    expect(name).toMatchObject({ kind: 'name', key: 'gustave eiffel' });
  });

  it('counts the words between a word and a span, zero inside it', () => {
    const at = (word: string): number => sentence.indexOf(word);
    const span = { start: at('March'), end: at('March') + 'March 1889'.length };
    expect(wordGap(words, at('1889'), span.start, span.end)).toBe(0);
    // "completed in March": one word between.
    expect(wordGap(words, at('completed'), span.start, span.end)).toBe(1);
    // "Tower was completed in March": three words between.
    expect(wordGap(words, at('Tower'), span.start, span.end)).toBe(3);
    // After the span: "1889 by Gustave": the word after the span is not counted, as the reader always measured.
    expect(wordGap(words, at('Gustave'), span.start, span.end)).toBe(0);
    expect(wordGap(words, at('Eiffel.'), span.start, span.end)).toBe(1);
  });
});
