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
    ).toBe('How tall is it? (Eiffel Tower)');
  });

  it('keeps the follow-up first and whole, so its own question form is what gets answered', () => {
    // Before, the previous question came first ("Who built ...? When did it open?"), and a reader answered "who".
    const q = standaloneQuestion([
      { role: 'user', content: 'Who designed the Golden Gate Bridge?' },
      { role: 'user', content: 'When did it open?' },
    ]);
    expect(q.startsWith('When did it open?')).toBe(true);
    expect(q).not.toMatch(/who/i);
    expect(q).toContain('Golden Gate Bridge');
  });

  it('gives the topic to a follow-up of one content word after a question word', () => {
    // Before, "what" counted as a content word: "formats?" got the topic, "what formats?" did not.
    for (const follow of ['formats?', 'what formats?', 'which formats?', 'how about formats?']) {
      expect(standaloneQuestion([{ role: 'user', content: 'how do I ingest documents?' }, { role: 'user', content: follow }]), follow).toBe(`${follow} (ingest documents)`);
    }
    expect(standaloneQuestion([{ role: 'user', content: 'how do I ingest documents?' }, { role: 'user', content: 'what formats are accepted?' }])).toBe('what formats are accepted?');
    // Words whose stems are a frame word's ("doe" of "does") still name things.
    expect(standaloneQuestion([{ role: 'user', content: 'how do I ingest documents?' }, { role: 'user', content: 'John Doe?' }])).toBe('John Doe?');
  });

  it('carries the topic through several follow-ups', () => {
    expect(
      standaloneQuestion([
        { role: 'user', content: 'What is the response cache?' },
        { role: 'assistant', content: 'It caches whole answers.' },
        { role: 'user', content: 'What is its TTL?' },
        { role: 'assistant', content: '300 seconds.' },
        { role: 'user', content: 'And how do I turn it off?' },
      ]),
    ).toBe('And how do I turn it off? (TTL response cache)');
  });

  it('leaves a short question that names its own topic alone, and adds nothing the follow-up already says', () => {
    const earlier = { role: 'user' as const, content: 'How do I ingest documents from the command line?' };
    expect(standaloneQuestion([earlier, { role: 'user', content: 'Is Redis required?' }])).toBe('Is Redis required?');
    expect(standaloneQuestion([earlier, { role: 'user', content: 'and documents?' }])).toBe('and documents? (ingest command line)');
  });

  it('answers a single question, and nothing without a user message', () => {
    expect(standaloneQuestion([{ role: 'user', content: ' Why is the sky blue? ' }])).toBe('Why is the sky blue?');
    expect(standaloneQuestion([{ role: 'system', content: 'hello' }])).toBe('');
  });
});
