import { describe, expect, it } from 'vitest';
import type { Passage } from '../../../src/core/types.js';
import { aggregationContext } from '../../../src/ensemble/aggregation-context.js';
import { aggregationMessages } from '../../../src/ensemble/aggregation-prompt.js';

const passage = (id: string, tokens = 10): Passage => ({ chunkId: id, docId: id.split('#')[0] ?? id, title: `Title ${id}`, text: `Text of ${id}.`, score: 1, tokens });

describe('aggregationContext', () => {
  it('takes each chunk once, ordered by the weights of the members that used it over their rank', () => {
    const out = aggregationContext(
      [
        { weight: 0.6, passages: [passage('a'), passage('b'), passage('c')] },
        { weight: 0.4, passages: [passage('c'), passage('d')] },
      ],
      { budgetTokens: 1000, perMember: 5 },
    );
    // a: 0.6; b: 0.3; c: 0.6 / 3 + 0.4 = 0.6; d: 0.2. Ties keep the order first seen.
    expect(out.map((p) => p.chunkId)).toEqual(['a', 'c', 'b', 'd']);
  });

  it('takes at most perMember passages of each member, and what fits the budget', () => {
    const members = [
      { weight: 0.5, passages: [passage('a', 30), passage('big', 500), passage('b', 30), passage('late', 5)] },
      { weight: 0.5, passages: [passage('c', 30)] },
    ];
    // Of the first three of member 1 and member 2's one: "big" does not fit what is left of 100; the rest do.
    expect(aggregationContext(members, { budgetTokens: 100, perMember: 3 }).map((p) => p.chunkId)).toEqual(['a', 'c', 'b']);
    expect(aggregationContext(members, { budgetTokens: 20, perMember: 3 })).toEqual([]);
  });
});

describe('aggregationMessages', () => {
  it('shows the passages numbered, each member\'s answer on one line with its weight and confidence, and the question', () => {
    const messages = aggregationMessages(
      'When was it completed?',
      [
        { pipeline: 'seq', answer: 'March\n1889', weight: 0.634, confidence: 0.87, abstained: false },
        { pipeline: 'loop', answer: 'I could not find an answer.', weight: 0.366, confidence: 0.2, abstained: true },
      ],
      [passage('tower#0'), passage('paris#0')],
    );
    expect(messages[0]?.role).toBe('system');
    expect(messages[0]?.content).toContain('weight');
    expect(messages[0]?.content).toContain('Answer: <the short answer>');
    expect(messages[1]?.content).toBe(
      [
        'Passages:',
        '',
        '[1] Title tower#0',
        'Text of tower#0.',
        '',
        '[2] Title paris#0',
        'Text of paris#0.',
        '',
        'Answers of the systems:',
        '- seq (weight 0.63, confidence 0.87): March 1889',
        '- loop (weight 0.37, confidence 0.20): no answer (not enough evidence)',
        '',
        'Question: When was it completed?',
      ].join('\n'),
    );
  });
});
