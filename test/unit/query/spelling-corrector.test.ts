import { describe, expect, it } from 'vitest';
import { words } from '../../../src/core/analyzer.js';
import { boundedEditDistance } from '../../../src/query/edit-distance.js';
import { EnglishWords } from '../../../src/query/english-words.js';
import { SpellingCorrector } from '../../../src/query/spelling-corrector.js';
import { SurfaceVocabulary } from '../../../src/query/surface-vocabulary.js';
import { typoCost } from '../../../src/query/typo-model.js';

/** A vocabulary from chunks given as texts, each text repeated `times` (its words' document frequency). */
function vocabularyOf(texts: Array<[string, number]>): SurfaceVocabulary {
  const v = new SurfaceVocabulary();
  for (const [text, times] of texts) for (let i = 0; i < times; i++) v.addChunk(words(text));
  return v;
}

const VOCAB = vocabularyOf([
  ['the world cup match between england and zimbabwe', 5],
  ['currency reserve factors international trade', 8],
  ['earthquakes last minutes seismic waves', 6],
  ['proteins receptor signalling pathways', 7],
  ['cancer tumor tumour growth', 4],
  ['house horse', 1],
  ['house', 30],
  ['form from', 3],
  ['lacrosse draw women', 2],
  ['vaccination vaccines', 3],
]);

const corrector = (maxEditDistance = 2): SpellingCorrector => new SpellingCorrector(VOCAB, { maxEditDistance });

describe('SpellingCorrector', () => {
  it('fixes keyboard slips (a neighbouring key)', () => {
    // 'q' is next to 'w' on a QWERTY keyboard.
    expect(corrector().correct('qorld cup').corrections).toEqual([{ from: 'qorld', to: 'world' }]);
    expect(corrector().correct('tumot growth').text).toBe('tumor growth');
  });

  it('never corrects a content word into a stop word', () => {
    // "tenis" is two edits from "this" (a stop word, in every chunk) and from nothing else in this vocabulary.
    const v = vocabularyOf([['this is about this', 50], ['calendar events', 2]]);
    const c = new SpellingCorrector(v, { maxEditDistance: 2 });
    expect(c.correct('tenis calendar').corrections).toEqual([]);
    expect(c.correct('tenis calendar').text).toBe('tenis calendar');
  });

  it('corrects a word under eight letters by one slip at most: two slips away it is as likely a word the index lacks', () => {
    const v = vocabularyOf([['engine grant torch', 20], ['ingest documents', 5]]);
    const c = new SpellingCorrector(v, { maxEditDistance: 2 });
    // Before: nginx -> engine, qdrant -> grant, pytorch -> torch.
    expect(c.correct('nginx qdrant pytorch').corrections).toEqual([]);
    // One slip: still corrected.
    expect(c.correct('ingets documnets').corrections).toEqual([
      { from: 'ingets', to: 'ingest' },
      { from: 'documnets', to: 'documents' },
    ]);
  });

  it('corrects a camel-case identifier part by part, keeping its case', () => {
    const v = vocabularyOf([['maxqueryterms max query terms chunk size', 5]]);
    const c = new SpellingCorrector(v, { maxEditDistance: 2 });
    // Before: "maxqueryterms", in lower case, which lost the parts (max, query, terms) the index matches on.
    expect(c.correct('what does maxQueryTrems do').text).toBe('what does maxQueryTerms do');
    expect(c.correct('the chunkSzie setting').corrections).toEqual([{ from: 'chunkSzie', to: 'chunkSize' }]);
    expect(c.correct('maxQueryTerms').corrections).toEqual([]);
  });

  it('fixes transpositions as one edit', () => {
    expect(corrector().correct('Wrold Cup match').text).toBe('World Cup match');
    expect(corrector().correct('recpetor signalling').corrections).toEqual([{ from: 'recpetor', to: 'receptor' }]);
  });

  it('fixes up to two edits and no more', () => {
    expect(corrector().correct('earthquaikes last').text).toBe('earthquakes last');
    expect(corrector().correct('currancy reserve').text).toBe('currency reserve');
    // Three edits from any word: left as typed.
    expect(corrector().correct('zimbobwae').text).toBe('zimbabwe');
    expect(corrector().correct('zimbobwaex').corrections).toEqual([]);
    expect(corrector().correct('earthqaikes').text).toBe('earthquakes');
    expect(corrector(1).correct('earthqaikes').corrections).toEqual([]);
  });

  it('never changes a word the index knows, as written or through its stem', () => {
    expect(corrector().correct('horse house form from').corrections).toEqual([]);
    // "vaccinations" is not in the vocabulary but its stem is an index term: BM25 matches it already.
    expect(corrector().correct('vaccinations').corrections).toEqual([]);
  });

  it('prefers the more frequent word among equally likely corrections', () => {
    // "hoase" is one vowel substitution from "house" (31 chunks) and one substitution from "horse" (1 chunk).
    expect(corrector().correct('hoase').corrections).toEqual([{ from: 'hoase', to: 'house' }]);
  });

  it('the frequency prior picks the common word over a rare one at the same distance', () => {
    const v = vocabularyOf([
      ['statin', 1],
      ['station', 40],
    ]);
    // "staion" is one left-out letter away from both "station" and "statin".
    expect(new SpellingCorrector(v, { maxEditDistance: 2 }).correctWord('staion')).toBe('station');
  });

  it('leaves numbers, words of three letters or fewer, stop words and query words alone', () => {
    const r = corrector().correct('wht is 1988 teh hte and plese 3rd 12kb');
    expect(r.corrections).toEqual([]);
    expect(r.text).toBe('wht is 1988 teh hte and plese 3rd 12kb');
  });

  it('leaves words in a non-Latin script alone', () => {
    expect(corrector().correct('землетрясение 地震 σεισμός').corrections).toEqual([]);
  });

  it('keeps the typed case: capitalised and all-caps words', () => {
    expect(corrector().correctWord('Currancy')).toBe('Currency');
    expect(corrector().correctWord('CURRANCY')).toBe('CURRENCY');
  });

  it('corrects every misspelt word and keeps the rest of the text as it was', () => {
    const r = corrector().correct('What  factrs (of currancy) in "internatonal" trade?');
    expect(r.text).toBe('What  factors (of currency) in "international" trade?');
    expect(r.corrections.map((c) => c.to)).toEqual(['factors', 'currency', 'international']);
  });

  it('never changes an English word the index lacks (the dictionary), nor a name or an acronym within a sentence', () => {
    const withDictionary = new SpellingCorrector(VOCAB, { maxEditDistance: 2, dictionary: EnglishWords.shared() });
    // "hoarse" is a word, not a slip for "horse"; without the dictionary it was "corrected".
    expect(corrector().correctWord('hoarse')).not.toBeNull();
    expect(withDictionary.correct('hoarse and currancy').corrections).toEqual([{ from: 'currancy', to: 'currency' }]);
    // "Hoase" within a sentence is a name; at the start of one, or after a quotation mark, a capitalised slip.
    expect(corrector().correct('a trip to Hoase and the CURRANCY board').corrections).toEqual([]);
    expect(corrector().correct('Hoase prices. Hoase again: "Currancy"').corrections.map((c) => c.to)).toEqual(['House', 'House', 'Currency']);
    // A parenthesis opens no sentence: "(Hoase)" is still a name.
    expect(corrector().correct('a trip (Hoase) to the sea').corrections).toEqual([]);
    // A text all in capitals says nothing by its case: its words are corrected (before, each was taken for an acronym).
    expect(corrector().correct('WHAT FACTRS OF CURRANCY').corrections.map((c) => c.to)).toEqual(['FACTORS', 'CURRENCY']);
  });

  it('does nothing on an empty vocabulary or with correction off', () => {
    expect(new SpellingCorrector(new SurfaceVocabulary(), { maxEditDistance: 2 }).correct('qorld').corrections).toEqual([]);
    expect(new SpellingCorrector(VOCAB, { maxEditDistance: 0 }).correct('qorld').corrections).toEqual([]);
  });
});

describe('edit distance and typo model', () => {
  it('counts an adjacent transposition as one edit, and stops at the bound', () => {
    expect(boundedEditDistance('wrold', 'world', 2)).toBe(1);
    expect(boundedEditDistance('kitten', 'sitting', 3)).toBe(3);
    expect(boundedEditDistance('kitten', 'sitting', 2)).toBe(3);
    expect(boundedEditDistance('abc', 'abcdef', 2)).toBe(3);
  });

  it('makes keyboard slips, transpositions and doubled letters cheaper than arbitrary edits', () => {
    expect(typoCost('qorld', 'world')).toBeLessThan(typoCost('xorld', 'world'));
    expect(typoCost('wrold', 'world')).toBeLessThan(typoCost('wxrld', 'world'));
    expect(typoCost('ocuring', 'occuring')).toBeLessThan(typoCost('ocuring', 'ocburing'));
    expect(typoCost('world', 'world')).toBe(0);
  });
});

describe('EnglishWords', () => {
  it('knows English words with their inflections, and not misspellings or names', () => {
    const dictionary = EnglishWords.shared();
    expect(dictionary.size).toBeGreaterThan(200_000);
    for (const w of ['control', 'basketball', 'golfers', 'annealing', 'aa', 'zymurgy']) expect(dictionary.has(w), w).toBe(true);
    for (const w of ['currancy', 'earthquaikes', 'brighton', '', 'zzzzz']) expect(dictionary.has(w), w).toBe(false);
  });
});
