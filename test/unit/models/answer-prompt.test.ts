import { describe, expect, it } from 'vitest';
import { parseAnswer } from '../../../src/models/answer-prompt.js';

describe('parseAnswer', () => {
  it('takes the last marked final answer line, without its markers, and says where it was written', () => {
    const text = 'Passage [2] says Paris.\nAnswer: Paris [2]';
    const a = parseAnswer(text);
    expect(a).toMatchObject({ text: 'Paris', final: true });
    expect(text.slice(a.start, a.end)).toBe('Paris');
  });
  it('accepts the usual variations of the label', () => {
    expect(parseAnswer('x\n**Answer:** 1889 [1].').text).toBe('1889');
    expect(parseAnswer('x\nFinal answer: Gustave Eiffel').text).toBe('Gustave Eiffel');
    expect(parseAnswer('x\n- answer : yes').text).toBe('yes');
    expect(parseAnswer('Answer: first\nmore thought\nAnswer: second  ').text).toBe('second');
  });
  it('is the whole text, trimmed, when no line is marked or the marked one is empty', () => {
    const text = '  Paris is the capital [2].\n';
    const a = parseAnswer(text);
    expect(a).toMatchObject({ text: 'Paris is the capital [2].', final: false });
    expect(text.slice(a.start, a.end)).toBe(a.text);
    expect(parseAnswer('The answer: see below.\nAnswer:').final).toBe(false);
  });
});
