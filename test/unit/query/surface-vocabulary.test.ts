import { describe, expect, it } from 'vitest';
import { SurfaceVocabulary } from '../../../src/query/surface-vocabulary.js';

describe('SurfaceVocabulary', () => {
  it('counts each word once per chunk and forgets it when its chunks are removed', () => {
    const v = new SurfaceVocabulary();
    v.addChunk(['protein', 'protein', 'folding']);
    v.addChunk(['protein', 'kinase']);
    expect(v.size).toBe(2);
    expect(v.docFreq('protein')).toBe(2);
    expect(v.docFreq('folding')).toBe(1);
    v.removeChunk(['protein', 'folding']);
    expect(v.docFreq('protein')).toBe(1);
    expect(v.docFreq('folding')).toBe(0);
    expect(v.knows('folding')).toBe(false);
    expect(v.near('foldng', 2)).toEqual([]);
  });

  it('knows a word through its stem', () => {
    const v = new SurfaceVocabulary();
    v.addChunk(['vaccination']);
    expect(v.knows('vaccinations')).toBe(true);
    expect(v.knows('vaccinate')).toBe(true);
    v.removeChunk(['vaccination']);
    expect(v.knows('vaccinations')).toBe(false);
  });

  it('finds words within the distance, including words added after the candidate index was built', () => {
    const v = new SurfaceVocabulary();
    v.addChunk(['receptor', 'signalling']);
    v.prepare();
    expect(v.near('recpetor', 2).map((n) => n.word)).toEqual(['receptor']);
    v.addChunk(['membrane']);
    expect(v.near('membrnae', 1).map((n) => [n.word, n.distance])).toEqual([['membrane', 1]]);
    // A word removed and added back is found again.
    v.removeChunk(['membrane']);
    expect(v.near('membrnae', 1)).toEqual([]);
    v.addChunk(['membrane']);
    expect(v.near('membrnae', 1).map((n) => n.word)).toEqual(['membrane']);
  });

  it('finds candidates that differ at the start, in the middle, or past the indexed prefix', () => {
    const v = new SurfaceVocabulary();
    v.addChunk(['international', 'organisation', 'photosynthesis']);
    expect(v.near('xnternational', 1).map((n) => n.word)).toEqual(['international']);
    expect(v.near('organsiation', 2).map((n) => n.word)).toEqual(['organisation']);
    expect(v.near('photosynthesks', 1).map((n) => n.word)).toEqual(['photosynthesis']);
    expect(v.near('pohtosyntehsis', 2).map((n) => n.word)).toEqual(['photosynthesis']);
  });

  it('does not propose numbers, short words or words in other scripts', () => {
    const v = new SurfaceVocabulary();
    v.addChunk(['1990', 'ab', 'москва', 'moscow']);
    expect(v.near('1991', 1)).toEqual([]);
    expect(v.near('москвы', 2)).toEqual([]);
    expect(v.near('moscwo', 2).map((n) => n.word)).toEqual(['moscow']);
  });

  it('keeps finding every word after many additions (pending pairs merged into the sorted index)', () => {
    const v = new SurfaceVocabulary();
    v.prepare();
    const made: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const w = `word${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + ((i / 26) % 26 | 0))}${String.fromCharCode(97 + ((i / 676) % 26 | 0))}x`.replace(/\d/g, '');
      made.push(w);
      v.addChunk([w]);
    }
    for (const w of made.slice(0, 200)) expect(v.near(`${w}q`, 1).map((n) => n.word)).toContain(w);
  });
});
