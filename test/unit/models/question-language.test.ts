import { describe, expect, it } from 'vitest';
import { functionTermsOf } from '../../../src/models/question-language.js';

describe('functionTermsOf', () => {
  it("gives the function words of a German, French, Spanish, Italian or Dutch question as the analyser's terms", () => {
    expect([...functionTermsOf('Wer hat den Eiffelturm entworfen?')].sort()).toEqual(['den', 'hat', 'wer']);
    expect(functionTermsOf('Où se trouve le Louvre ?')).toEqual(new Set(['ou', 'se', 'le']));
    expect(functionTermsOf('Quand le Louvre a-t-il ouvert ses portes ?').has('quand')).toBe(true);
    expect(functionTermsOf('¿Cuándo fue inaugurado el Museo del Prado?')).toEqual(new Set(['cuando', 'el', 'del']));
    expect(functionTermsOf('Dove si trova il Colosseo?').has('dove')).toBe(true);
    expect(functionTermsOf('Wanneer is het museum open?').has('wanneer')).toBe(true);
  });

  it('leaves English questions alone, names and abbreviations included', () => {
    for (const q of [
      'When did the war end?',
      'Who founded De La Soul?',
      'Which band recorded the Die Hard soundtrack?',
      'IL-6 signaling plays a major role in atherosclerotic cardiovascular disease.',
      'DMS3 protein enables Pol V transcription in vivo.',
      'how do I ingest documents?',
    ]) {
      expect(functionTermsOf(q), q).toEqual(new Set());
    }
  });

  it('tells nothing from a question too short to tell', () => {
    expect(functionTermsOf('Waar ligt Amsterdam?')).toEqual(new Set());
    expect(functionTermsOf('')).toEqual(new Set());
  });
});
