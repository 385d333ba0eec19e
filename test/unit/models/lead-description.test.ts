import { describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import { TextMemo } from '../../../src/core/text-memo.js';
import type { Passage } from '../../../src/core/types.js';
import { ExtractiveReader } from '../../../src/models/extractive-reader.js';
import { leadDescription } from '../../../src/models/lead-description.js';
import { askedKind } from '../../../src/models/question-type.js';

describe('askedKind', () => {
  it.each([
    ['Pat Hingle was a close friend of an actor who achieved success in what Western TV series?', 'seri'],
    ['Armageddon in Retrospect was written by the author who was best known for what 1969 satire novel?', 'novel'],
    ['Based on a True Story... is an album by which country music star, with the single My Eyes?', 'star'],
    ['Which sport is played at Wimbledon?', 'sport'],
    ['In what city was the band formed?', 'citi'],
  ])('%s -> %s', (question, kind) => {
    expect(askedKind(question)).toBe(kind);
  });

  it('is undefined when the question names no kind', () => {
    expect(askedKind('The Wizards had three home venues. Which was their first?')).toBeUndefined();
    expect(askedKind('Who directed Jaws?')).toBeUndefined();
    expect(askedKind('In what 1969?')).toBeUndefined();
  });
});

describe('leadDescription', () => {
  it("holds the terms of what the opening sentence says the subject is, up to the first comma", () => {
    expect([...(leadDescription('Rawhide is an American Western series that aired on CBS. It ran for eight seasons.') ?? [])]).toEqual(['american', 'western', 'seri', 'air', 'cb']);
    expect([...(leadDescription('Clint Eastwood is an American actor, filmmaker and musician.') ?? [])]).toEqual(['american', 'actor']);
  });

  it('is undefined for an opening sentence that describes nothing', () => {
    expect(leadDescription('Filming began in 1959 near Tucson.')).toBeUndefined();
  });
});

describe('linked mode and the kind asked for', () => {
  let n = 0;
  const p = (title: string, text: string): Passage => ({ chunkId: `k${++n}`, docId: `k${n}`, title, text, score: 1, tokens: 50 });
  const linked = (): ExtractiveReader => new ExtractiveReader(new TextMemo(), { maxCandidates: 8, temperature: 0.08, spans: 'linked', spanSentences: 5 });

  it('prefers a linked title whose passage is the kind of thing asked for over the bridge it passes through', async () => {
    // Both titles are linked from the question's subject; the actor's passage matches more of the question's words.
    const passages = [
      p('Pat Hingle', 'Pat Hingle was an American actor. He was a close friend of Clint Eastwood and appeared with him in Rawhide.'),
      p('Clint Eastwood', 'Clint Eastwood is an American actor. He achieved success as an actor in Rawhide, a Western TV series, and was a friend of Pat Hingle.'),
      p('Rawhide', 'Rawhide is an American Western series. It aired on CBS and made Clint Eastwood a star.'),
    ];
    const question = 'Pat Hingle was a close friend of an actor who achieved success in what Western TV series?';
    const r = await linked().answer(question, passages, new RunContext());
    expect(r.candidates[0]?.text).toBe('Rawhide');
    // Without a kind to check ("who"), the better-matching title leads, as before.
    const who = await linked().answer('Pat Hingle was a close friend of which actor who achieved success in a Western?', passages, new RunContext());
    expect(who.candidates[0]?.text).toBe('Clint Eastwood');
  });

  it('is not sure of a lone linked title of another kind: what it gives up goes to "none of these"', async () => {
    const passages = [
      p('Pat Hingle', 'Pat Hingle was an American actor. He was a close friend of Clint Eastwood and appeared in Western series.'),
      p('Clint Eastwood', 'Clint Eastwood is an American actor. He achieved success as an actor in a Western TV series and was a friend of Pat Hingle.'),
    ];
    const question = 'Pat Hingle was a close friend of an actor who achieved success in what Western TV series?';
    const r = await linked().answer(question, passages, new RunContext());
    // Before, the one title was renormalised back to certainty: probability 1, entropy 0.
    expect(r.candidates.map((c) => c.text)).toEqual(['Clint Eastwood']);
    expect(r.candidates[0]?.prob).toBeCloseTo(0.5, 6);
    expect(r.unsupported).toBeCloseTo(0.5, 6);
    expect(r.normalizedEntropy).toBeCloseTo(1, 6);
    // A title of the kind asked for keeps it all.
    const who = await linked().answer('Pat Hingle was a close friend of which actor who achieved success in a Western?', passages, new RunContext());
    expect(who.candidates[0]).toMatchObject({ text: 'Clint Eastwood', prob: 1 });
    expect(who.unsupported).toBeUndefined();
  });
});
