import { describe, expect, it } from 'vitest';
import { questionOptions } from '../../../src/models/question-options.js';

describe('questionOptions', () => {
  it('reads the options of a choice set off by a comma, and what is compared', () => {
    expect(questionOptions('Who was born first, Arthur Conan Doyle or Penelope Lively?')).toEqual({
      kind: 'choice',
      options: ['Arthur Conan Doyle', 'Penelope Lively'],
      predicate: 'Who was born first',
      comparative: { measure: 'date', pick: 'min' },
    });
    expect(questionOptions('Which tennis player is younger, John Newcombe or Květa Peschke?')?.comparative).toEqual({ measure: 'date', pick: 'max' });
    expect(questionOptions('Which genus has more species, Xanthoceras or Ehretia?')?.comparative).toEqual({ measure: 'number', pick: 'max' });
  });

  it('keeps a clause after the options out of them, and a comma inside the last option in it', () => {
    const band = questionOptions('Which band, Letters to Cleo or Screaming Trees, had more members?');
    expect(band?.options).toEqual(['Letters to Cleo', 'Screaming Trees']);
    expect(band?.predicate).toBe('Which band had more members');
    expect(questionOptions('Which came out first, Dinosaur or McFarland, USA')?.options).toEqual(['Dinosaur', 'McFarland, USA']);
  });

  it('keeps a title with a colon whole, and takes options after a colon when there is no comma', () => {
    expect(questionOptions("Which film was Oscar nominated, LaLee's Kin: The Legacy of Cotton or Gimme Shelter?")?.options).toEqual([
      "LaLee's Kin: The Legacy of Cotton",
      'Gimme Shelter',
    ]);
    expect(questionOptions('Which Karakoram mountain is higher: Distaghil Sar or Crown?')?.options).toEqual(['Distaghil Sar', 'Crown']);
  });

  it('reads options without a comma: runs of capitalised words, or single lower-case words', () => {
    expect(questionOptions('Who was born first Am Rong or Ava DuVernay ?')?.options).toEqual(['Am Rong', 'Ava DuVernay']);
    expect(questionOptions('Is the Pakistan fast bowler who joined Kent in June, 2011 a left-hand or right-hand batsman?')?.options).toEqual([
      'left-hand',
      'right-hand',
    ]);
  });

  it('reads the subjects of a yes/no question, and whether it asks if they share an attribute', () => {
    expect(questionOptions('Are Giuseppe Verdi and Ambroise Thomas both Opera composers?')).toEqual({
      kind: 'yesno',
      options: ['Giuseppe Verdi', 'Ambroise Thomas'],
      predicate: 'Opera composers',
      same: false,
    });
    expect(questionOptions('Were Scott Derrickson and Ed Wood of the same nationality?')).toMatchObject({ options: ['Scott Derrickson', 'Ed Wood'], same: true });
    expect(questionOptions('Do the drinks Gibson and Zurracapote both contain gin?')?.options).toEqual(['Gibson', 'Zurracapote']);
    expect(questionOptions('Is Kalenderhane Mosque in Istanbul?')).toMatchObject({ kind: 'yesno', options: ['Kalenderhane Mosque'] });
  });

  it('reads what two subjects are asked to have in common, quoted titles included', () => {
    expect(questionOptions('What profession does H. L. Mencken and Albert Camus have in common?')).toMatchObject({
      kind: 'shared',
      options: ['H. L. Mencken', 'Albert Camus'],
    });
    expect(questionOptions('What type of film are both "500 Years Later" and "Manson"?')?.options).toEqual(['500 Years Later', 'Manson']);
  });

  it('leaves other questions alone', () => {
    expect(questionOptions('Who directed the film Jaws?')).toBeUndefined();
    expect(questionOptions('how do I ingest documents?')).toBeUndefined();
    expect(questionOptions('When was the Eiffel Tower built?')).toBeUndefined();
  });
});
