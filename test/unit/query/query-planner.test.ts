import { describe, expect, it } from 'vitest';
import { words } from '../../../src/core/analyzer.js';
import { RunContext } from '../../../src/core/run-context.js';
import { QueryPlanner } from '../../../src/query/query-planner.js';
import { SurfaceVocabulary } from '../../../src/query/surface-vocabulary.js';

const vocab = new SurfaceVocabulary();
vocab.addChunk(words('Stars are giant balls of hot plasma held together by gravity; a star is born in a nebula.'));
vocab.addChunk(words('Pasta should be boiled in salted water for about ten minutes.'));
const planner = (options = {}): QueryPlanner => new QueryPlanner(options, { vocabulary: () => vocab });

describe('QueryPlanner (rules)', () => {
  it('normalises, corrects and reports each correction', async () => {
    const plan = await planner().plan('  where are stras  born\u0000 in a nebulla? ', new RunContext());
    expect(plan.original).toBe('  where are stras  born\u0000 in a nebulla? ');
    expect(plan.corrected).toBe('where are stars born in a nebula?');
    expect(plan.corrections).toEqual([
      { from: 'stras', to: 'stars' },
      { from: 'nebulla', to: 'nebula' },
    ]);
    expect(plan.subQueries).toEqual([plan.corrected]);
  });

  it("leaves out a chat user's opening pleasantries, which are not what is asked", () => {
    // Before, "thanks" counted as a word the answer lacked, and the reader abstained where the bare question was answered.
    expect(planner().rulePlan('thanks, where are stars born?').corrected).toBe('where are stars born?');
    expect(planner().rulePlan('Thanks! Now, where are stras born?').corrected).toBe('where are stars born?');
    expect(planner({ denoise: false }).rulePlan('ok. where are stars born?').corrected).toBe('where are stars born?');
    // A name that starts like one, a pleasantry before no question, and a pleasantry alone, stay.
    expect(planner().rulePlan('Great Wall of China length?').corrected).toBe('Great Wall of China length?');
    expect(planner({ denoise: false }).rulePlan('Nice, France population?').corrected).toBe('Nice, France population?');
    expect(planner({ denoise: false }).rulePlan('Hello, World program in Go?').corrected).toBe('Hello, World program in Go?');
    expect(planner().rulePlan('thanks!').corrected).toBe('thanks!');
  });

  it('with denoise off, only normalises', () => {
    expect(planner({ denoise: false }).rulePlan('stras  in a nebulla').corrected).toBe('stras in a nebulla');
  });

  it('decomposes on the corrected text, and not at all with decompose off', () => {
    expect(planner().rulePlan('How hot is plasma? How long to boil pastta?').subQueries).toEqual(['How hot is plasma?', 'How long to boil pasta?']);
    expect(planner({ decompose: false }).rulePlan('How hot is plasma? How long to boil pasta?').subQueries).toHaveLength(1);
  });

  it('leaves a query of unknown words as it is', () => {
    const plan = planner().rulePlan('zxqv blorft wuzzle');
    expect(plan.corrected).toBe('zxqv blorft wuzzle');
    expect(plan.corrections).toEqual([]);
  });

  it('leaves a query of punctuation as it is', () => {
    expect(planner().rulePlan('?!... ,;')).toEqual({ original: '?!... ,;', corrected: '?!... ,;', corrections: [], subQueries: ['?!... ,;'] });
  });

  it('handles a query of 500 words, correcting what it can', () => {
    const query = Array.from({ length: 500 }, (_, i) => (i % 50 === 0 ? 'plasmma' : `token${i}`)).join(' ');
    const started = performance.now();
    const plan = planner().rulePlan(query);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(plan.corrections).toHaveLength(10);
    expect(plan.corrected.split(' ')).toHaveLength(500);
    expect(plan.subQueries).toEqual([plan.corrected]);
  });

  it('leaves a query in another script as it is', () => {
    for (const q of ['звёзды рождаются в туманности', '星はどこで生まれますか', 'النجوم تولد في السدم']) {
      expect(planner().rulePlan(q)).toEqual({ original: q, corrected: q, corrections: [], subQueries: [q] });
    }
  });

  it('corrects nothing without a vocabulary', () => {
    expect(new QueryPlanner().rulePlan('stras').corrected).toBe('stras');
  });
});
