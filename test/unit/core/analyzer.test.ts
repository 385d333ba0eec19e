import { describe, expect, it } from 'vitest';
import { analyze, identifierTerms, isStopWord, normalizeText, stem, words } from '../../../src/core/analyzer.js';

describe('normalizeText / words', () => {
  it('folds diacritics and case', () => {
    expect(normalizeText('Café')).toBe('cafe');
    expect(normalizeText('NAÏVE Ångström señor')).toBe('naive angstrom senor');
    expect(words('Café crème')).toEqual(['cafe', 'creme']);
  });

  it('treats composed and decomposed forms alike', () => {
    expect(words('cafe\u0301')).toEqual(words('caf\u00e9'));
  });

  it('applies compatibility folding (ligatures, full-width)', () => {
    expect(words('ﬁle ＡＢＣ')).toEqual(['file', 'abc']);
  });

  it('splits on punctuation and keeps digits', () => {
    expect(words("Node.js v20, it's 2024!")).toEqual(['node', 'js', 'v20', 'it', 's', '2024']);
    expect(words('')).toEqual([]);
    expect(words('--- ...')).toEqual([]);
  });
});

describe('analyze', () => {
  it('drops stop words', () => {
    expect(analyze('the cat and the hat')).toEqual(['cat', 'hat']);
    expect(analyze('The Of And To')).toEqual([]);
    expect(isStopWord('the')).toBe(true);
    expect(isStopWord('cat')).toBe(false);
  });

  it('Porter-stems words', () => {
    expect(analyze('running')).toEqual(['run']);
    expect(analyze('Connections connected connecting')).toEqual(['connect', 'connect', 'connect']);
    expect(stem('ponies')).toBe('poni');
  });

  it('folds diacritics before stemming', () => {
    expect(analyze('Café')).toEqual(['cafe']);
    expect(analyze('Cafés')).toEqual(analyze('cafes'));
  });

  it('keeps numbers and mixed tokens unstemmed', () => {
    expect(analyze('in 2024 there were 3 runs')).toEqual(['2024', 'were', '3', 'run']);
    expect(stem('covid19s')).toBe('covid19s');
    expect(stem('12345')).toBe('12345');
  });

  it('keeps non-Latin scripts', () => {
    expect(analyze('Москва 東京')).toEqual(['москва', '東京']);
  });

  it('splits Chinese, Japanese and Korean into bigrams within one script (before: one term up to the punctuation)', () => {
    expect(analyze('电池的容量是五千毫安时。')).toEqual(['电池', '池的', '的容', '容量', '量是', '是五', '五千', '千毫', '毫安', '安时']);
    // Kanji, then the particle: a question's grammar makes no term its answer lacks.
    expect(analyze('保証期間は何年')).toEqual(['保証', '証期', '期間', 'は', '何年']);
    expect(analyze('배터리 수명은')).toEqual(['배터', '터리', '수명', '명은']);
    // The prolonged sound mark belongs to its katakana word; other scripts' words stay whole beside them.
    expect(words('バッテリー iPhone保証')).toEqual(['ハッ', 'ッテ', 'テリ', 'リー', 'iphone', '保証']);
  });
});

describe('identifiers in lower camel case', () => {
  it('follow the whole identifier with its parts, in place', () => {
    expect(analyze('set chunking.chunkSize first')).toEqual(['set', 'chunk', 'chunksiz', 'chunk', 'size', 'first']);
    expect(analyze('bodyLimitBytes')).toEqual(['bodylimitbyt', 'bodi', 'limit', 'byte']);
    expect(identifierTerms('the maxSubQueries and topLogprobs settings')).toEqual(['max', 'sub', 'queri', 'top', 'logprob']);
  });

  it('leave names and short prefixes whole: McDonald, DreamWorks, iPhone, eBay, retrieveK', () => {
    const text = 'McDonald bought DreamWorks phones: iPhone, eBay and retrieveK';
    expect(analyze(text)).toEqual(analyze(text.toLowerCase()));
    expect(identifierTerms(text)).toEqual([]);
  });

  it('split the rest of a text exactly as before, odd case mappings included', () => {
    const text = 'İstanbul ŞEHİR Straße chunkSize ﬁle Ǆemal';
    const withoutIdentifier = text.replace('chunkSize', 'chunksize');
    expect(analyze(text).filter((t) => t !== 'chunk' && t !== 'size')).toEqual(analyze(withoutIdentifier));
  });
});
