import { describe, expect, it } from 'vitest';
import { TextMemo } from '../../../src/core/text-memo.js';
import type { Passage } from '../../../src/core/types.js';
import { answerSpans } from '../../../src/models/answer-spans.js';
import { ExtractiveReader } from '../../../src/models/extractive-reader.js';
import { answerTypeOf, definedSubject } from '../../../src/models/question-type.js';

const passage = (text: string, title?: string): Passage => ({ chunkId: text.slice(0, 12), docId: 'd', text, score: 1, tokens: 40, ...(title ? { title } : {}) });

describe('answerTypeOf', () => {
  it('reads the expected answer type off the question form', () => {
    expect(answerTypeOf('Who founded YG Entertainment?')).toBe('person');
    expect(answerTypeOf('When was the album released?')).toBe('date');
    expect(answerTypeOf('How many people live in Oslo?')).toBe('number');
    expect(answerTypeOf('Where is the company headquartered?')).toBe('place');
    expect(answerTypeOf('Which band recorded Help?')).toBe('entity');
    expect(answerTypeOf('How do I ingest documents?')).toBe('description');
    expect(answerTypeOf('Are both bands from England?')).toBe('yesno');
    // A quantity named by its noun: before, "what port?" was an entity, answered "TCP" or "RAG".
    expect(answerTypeOf('What port does the server listen on by default?')).toBe('number');
    expect(answerTypeOf('Which default version is installed?')).toBe('number');
    expect(answerTypeOf('What amount was the settlement?')).toBe('number');
    expect(answerTypeOf('What portrait hangs in the hall?')).toBe('entity');
  });

  it('takes "what is X?" and "who was X?" for a definition, wanting sentences, but not a question about a fact of X', () => {
    expect(definedSubject('what is the ensemble?')).toBe('ensemble');
    expect(definedSubject("What's hybrid retrieval")).toBe('hybrid retrieval');
    expect(definedSubject('Who was Ada Lovelace?')).toBe('Ada Lovelace');
    expect(definedSubject('what are batch jobs?')).toBe('batch jobs');
    // However many question marks close it.
    expect(definedSubject('what is a widget???')).toBe('widget');
    expect(answerTypeOf('what is the ensemble?')).toBe('description');
    expect(answerTypeOf('Who was Ada Lovelace?')).toBe('description');
    for (const fact of [
      'What is the capital of France?',
      'What is OpenSearch used for?',
      "What was Clint Eastwood's first film?",
      'What is the largest city?',
      'Who is the director?',
      'What is the name of the band?',
      'what is X, and how does it differ from Y?',
      'What is the longest river in the world that flows north?',
    ]) {
      expect(definedSubject(fact), fact).toBeUndefined();
    }
    expect(answerTypeOf('What is the capital of France?')).toBe('entity');
  });
});

describe('answerSpans', () => {
  it('finds names, dates, year ranges, numbers and quoted titles', () => {
    const spans = answerSpans('Sir Alex Ferguson managed Manchester United from 1986 to 2013 and won 38 trophies, including "The Double" on May 26, 1999.');
    const texts = spans.map((s) => `${s.kind}:${s.text}`);
    expect(texts).toEqual(
      expect.arrayContaining(['name:Sir Alex Ferguson', 'name:Manchester United', 'date:from 1986 to 2013', 'number:38', 'title:The Double', 'date:May 26, 1999']),
    );
    expect(texts.some((t) => t === 'name:May')).toBe(false);
  });

  it('takes no word for a name only because it opens the sentence, but keeps a name it may begin', () => {
    const names = (s: string) => answerSpans(s).filter((x) => x.kind === 'name').map((x) => x.text);
    // Before, "Every" was a name, and "what do widget owners rename?" was answered "Every" at confidence 1.
    expect(names('Every owner renames the widget count.')).toEqual([]);
    expect(names('Most members voted for Obama.')).toEqual(['Obama']);
    expect(names('All Saints formed in 1993.')).toEqual(['All Saints', 'Saints']);
    expect(names('The band All Saints formed in London.')).toEqual(['All Saints', 'London']);
  });

  it('finds times of day as dates, not words that merely start with "am" or "pm"', () => {
    const times = (s: string) => answerSpans(s).filter((x) => x.kind === 'date').map((x) => x.text);
    expect(times('The warehouse opens at 7 am on weekdays and closes at 7:30 p.m. sharp.')).toEqual(['7 am', '7:30 p.m.']);
    expect(times('Trains leave at 19:00, 10pm and noon.')).toEqual(['19:00', '10pm', 'noon']);
    expect(times('A 5 amp fuse; 3 amazing pmids.')).toEqual([]);
    // Not the "1:30" inside an address and port.
    expect(times('The server listens on http://127.0.0.1:3000 by default.')).toEqual([]);
  });

  it('takes a four-digit number that is no year for a number ("port 3000"), and an address for a name, not a quantity', () => {
    const texts = (s: string) => answerSpans(s).map((x) => `${x.kind}:${x.text}`);
    // Before, every four-digit number was left to the date pattern, which takes years only: 3000 was no span at all.
    expect(texts('server.port | 3000 | TCP port, since 1999')).toEqual(expect.arrayContaining(['number:3000', 'date:1999']));
    expect(texts('server.port | 3000 | TCP port, since 1999')).not.toContain('number:1999');
    expect(texts('The server listens on http://127.0.0.1:3000 by default.')).toEqual(expect.arrayContaining(['name:127.0.0.1', 'number:3000']));
  });
});

describe('ExtractiveReader on factoid questions', () => {
  const reader = new ExtractiveReader(new TextMemo(), { maxCandidates: 8, temperature: 0.08, spans: 'auto', spanSentences: 5 });

  it('answers with a short span of the asked type near the question terms, never one that repeats the question', () => {
    const r = reader['doAnswer']('When was the Eiffel Tower completed?', [
      passage('The Eiffel Tower is a wrought-iron tower in Paris. The Eiffel Tower was completed in March 1889 by Gustave Eiffel.', 'Eiffel Tower'),
      passage('Paris is the capital of France, with about 2 million inhabitants.', 'Paris'),
    ]);
    expect(r.result.candidates[0]?.text).toBe('March 1889');
    expect(r.result.candidates.map((c) => c.text)).not.toContain('Eiffel Tower');
    const probs = r.result.candidates.map((c) => c.prob);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(r.result.normalizedEntropy).toBeGreaterThanOrEqual(0);
    expect(r.result.normalizedEntropy).toBeLessThan(1);
  });

  it('answers "what port?" with the port number, not the host address beside it', () => {
    const r = reader['doAnswer']('What port does the server listen on by default?', [
      passage('server.port, server.host | 3000, 127.0.0.1 | where to listen. The server listens on http://127.0.0.1:3000 by default.', 'Configuration'),
    ]);
    expect(r.result.candidates[0]?.text).toBe('3000');
  });

  it('never answers with the acronym of the question\'s own names ("DCEU" for "DC Extended Universe")', () => {
    const r = reader['doAnswer']('Which DC Extended Universe actress will star in its fifth film?', [
      passage('The fifth film of the DCEU stars the actress Gal Gadot. The DCEU began in 2013.', 'DC Extended Universe'),
    ]);
    expect(r.result.candidates[0]?.text).toBe('Gal Gadot');
    expect(r.result.candidates.map((c) => c.text)).not.toContain('DCEU');
  });

  it('gives a corroborated span more mass than one found once', () => {
    const r = reader['doAnswer']('Who founded the label that signed Winner?', [
      passage('Winner is a boy group formed by YG Entertainment in 2013.'),
      passage('YG Entertainment was founded by Yang Hyun-suk in 1996. Yang Hyun-suk was a member of Seo Taiji and Boys.'),
    ]);
    expect(r.result.candidates[0]?.text).toMatch(/Yang Hyun-suk|YG Entertainment/);
  });

  it('answers "when does it open?" with the time of day just after the verb, not the one beside the subject', () => {
    const r = reader['doAnswer']('When does the Oslo warehouse open?', [passage('The warehouse in Oslo opens at 7 am on weekdays.')]);
    expect(r.result.candidates[0]?.text).toBe('7 am');
    // "6" of "6 pm" is no candidate of its own.
    expect(r.result.candidates.map((c) => c.text)).not.toContain('7');
    const bakery = [passage('The bakery closes at 6 pm and opens at 5 am every day except Sunday.')];
    // Before, the time nearest the subject won both: "6 pm" for when it opens.
    expect(reader['doAnswer']('when does the bakery open?', bakery).result.candidates[0]?.text).toBe('5 am');
    expect(reader['doAnswer']('when does the bakery close?', bakery).result.candidates[0]?.text).toBe('6 pm');
    const museum = [passage('The museum opens at 10:00 and closes at 17:30.')];
    expect(reader['doAnswer']('when does the museum close?', museum).result.candidates[0]?.text).toBe('17:30');
  });

  it('answers "what do X <verb>?" with the verb\'s object, even in lower case, over a name further away', () => {
    const zebra = [passage('Zebra stripes deter biting flies, according to field studies in Tanzania.', 'Zebras')];
    const r = reader['doAnswer']('what do zebra stripes deter?', zebra);
    // Before, the only candidate was the name: "Tanzania", with confidence 1.
    expect(r.result.candidates[0]?.text).toBe('biting flies');
    expect(reader['doAnswer']('What did Marie Curie discover?', [passage('In Paris, Marie Curie discovered radium in 1898.')]).result.candidates[0]?.text).toBe('radium');
    // The object ends before an adverb of time.
    expect(reader['doAnswer']('what do zebras drink?', [passage('Zebras drink water every day.')]).result.candidates[0]?.text).toBe('water');
    // "have in common" does not end with the verb: no object is read.
    const common = reader['doAnswer']('What do zebra stripes and Tanzania have in common?', zebra);
    expect(common.result.candidates.map((c) => c.text)).not.toContain('common');
  });

  it('keeps whole sentences for questions that want a description', () => {
    const r = reader['doAnswer']('How do I ingest documents?', [passage('To ingest documents, POST them as a JSON batch to /v1/documents.')]);
    expect(r.result.candidates[0]?.text).toBe('To ingest documents, POST them as a JSON batch to /v1/documents.');
  });
});
