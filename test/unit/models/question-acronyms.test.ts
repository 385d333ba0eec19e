import { describe, expect, it } from 'vitest';
import { questionAcronyms } from '../../../src/models/question-acronyms.js';

describe('questionAcronyms', () => {
  it('gives the initials of whole runs of names, an all-capitals word whole or by its initial', () => {
    expect([...questionAcronyms('Which post DC Extended Universe actress will also play a role?')].sort()).toEqual(['dceu', 'deu']);
    expect([...questionAcronyms('What does the Department of Defense do?')].sort()).toEqual(['dd', 'dod']);
  });

  it('reads a run the question opens also without its first word, and never a part of a run', () => {
    expect(questionAcronyms('Which Major League Baseball team won?').has('mlb')).toBe(true);
    // "EU" would be part of "DC Extended Universe": a question about that universe may still be answered "EU".
    expect(questionAcronyms('Which DC Extended Universe film came first?').has('eu')).toBe(false);
    expect([...questionAcronyms('What is the capital of the EU?')]).toEqual([]);
  });
});
