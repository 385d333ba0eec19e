import { describe, expect, it } from 'vitest';
import { standaloneQuestion } from '../../../src/query/standalone-question.js';

describe('standaloneQuestion', () => {
  it('keeps a self-contained last question as it is', () => {
    expect(
      standaloneQuestion([
        { role: 'user', content: 'Who built the Eiffel Tower?' },
        { role: 'assistant', content: 'Gustave Eiffel.' },
        { role: 'user', content: 'What is the boiling point of mercury?' },
      ]),
    ).toBe('What is the boiling point of mercury?');
  });

  it('gives a follow-up that refers back the topic of the previous question', () => {
    expect(
      standaloneQuestion([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Who built the Eiffel Tower?' },
        { role: 'assistant', content: 'Gustave Eiffel.' },
        { role: 'user', content: 'How tall is it?' },
      ]),
    ).toBe('Who built the Eiffel Tower? How tall is it?');
  });

  it('answers a single question, and nothing without a user message', () => {
    expect(standaloneQuestion([{ role: 'user', content: ' Why is the sky blue? ' }])).toBe('Why is the sky blue?');
    expect(standaloneQuestion([{ role: 'system', content: 'hello' }])).toBe('');
  });
});
