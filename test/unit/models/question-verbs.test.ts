import { describe, expect, it } from 'vitest';
import { questionVerbs } from '../../../src/models/question-verbs.js';

const terms = (question: string) => [...questionVerbs(question).terms];

describe('questionVerbs', () => {
  it('finds the verb after a how-to or capability frame, and calls a how-to verb the act', () => {
    expect(questionVerbs('how do I run the tests?')).toEqual({ terms: new Set(['run']), act: 'run' });
    expect(questionVerbs('can I talk to it with an OpenAI client?')).toEqual({ terms: new Set(['talk']), act: undefined });
    expect(terms('is there a way to stop a job?')).toEqual(['stop']);
  });

  it('finds the verb of a question whose question word is the subject, and the verb after a "which X"', () => {
    expect(terms('what happens when Redis is down?')).toEqual(['happen']);
    expect(terms('who wrote the novel?')).toEqual(['wrote']);
    expect(terms('which header carries the API key?')).toEqual(['carri']);
    expect(terms('what city hosted the 1996 games?')).toEqual(['host']);
  });

  it('finds the verb after an inverted auxiliary and person wherever it stands', () => {
    expect(terms('which file formats can I ingest?')).toEqual(['ingest']);
    expect(terms('which Node version do I need?')).toEqual(['need']);
    expect(terms('What is PPTP and why should I avoid it?')).toEqual(['avoid']);
    expect(terms('what else can you do?')).toEqual([]);
  });

  it('finds none where the words around give no verb, and never an auxiliary', () => {
    for (const question of ['what is the default port?', 'what does the abstained field mean?', 'which of the two is older?', 'what films starred him?', 'rate limits', 'who is the director?']) {
      expect(terms(question), question).toEqual([]);
    }
  });
});
