import { describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import { TextMemo } from '../../../src/core/text-memo.js';
import type { Passage } from '../../../src/core/types.js';
import { ExtractiveReader } from '../../../src/models/extractive-reader.js';
import { readOptions } from '../../../src/models/option-reader.js';
import { questionOptions } from '../../../src/models/question-options.js';

let n = 0;
const p = (title: string, text: string): Passage => ({ chunkId: `c${++n}`, docId: `d${n}`, title, text, score: 1, tokens: 50 });

const read = (question: string, passages: Passage[]) => {
  const form = questionOptions(question);
  if (!form) throw new Error(`not an options question: ${question}`);
  return readOptions(form, passages, new TextMemo());
};

const DOYLE = p('Arthur Conan Doyle', 'Sir Arthur Ignatius Conan Doyle (22 May 1859 – 7 July 1930) was a British writer best known for his detective fiction.');
const LIVELY = p('Penelope Lively', 'Penelope Margaret Lively (born 17 March 1933) is a British writer of fiction for both children and adults.');

describe('readOptions', () => {
  it('compares dates: "born first" picks the earlier year, and names the option in full as its passage does', () => {
    const r = read('Who was born first, Arthur Conan Doyle or Penelope Lively?', [LIVELY, DOYLE]);
    expect(r.candidates[0]).toMatchObject({ text: 'Sir Arthur Ignatius Conan Doyle', citations: [2] });
    expect(r.candidates[0]!.prob).toBeGreaterThan(0.8);
    expect(read('Which writer was born later, Arthur Conan Doyle or Penelope Lively?', [LIVELY, DOYLE]).candidates[0]?.text).toBe('Penelope Margaret Lively');
  });

  it('reads an option from the passage titled by it, not one titled by something named after it', () => {
    const foundation = p('Edward F. Albee Foundation', 'The Edward F. Albee Foundation was founded in 1967 by the playwright to run a writers\' colony.');
    const albee = p('Edward Albee', 'Edward Franklin Albee III (March 12, 1928 – September 16, 2016) was an American playwright.');
    const barrie = p('J. M. Barrie', 'Sir James Matthew Barrie (9 May 1860 – 19 June 1937) was a Scottish novelist and playwright.');
    const r = read('Which playwright was born first, Edward Albee or J. M. Barrie?', [foundation, albee, barrie]);
    expect(r.candidates.map((c) => c.text)).toEqual(['J. M. Barrie', 'Edward Franklin Albee III']);
    expect(r.candidates[1]?.citations).toEqual([2]);
    // With no passage titled by the option, one whose title shares most of its words still speaks for it.
    const near = read('Which playwright was born first, Edward Albee or J. M. Barrie?', [foundation, barrie]);
    expect(near.candidates.map((c) => c.text)).toEqual(['J. M. Barrie', 'The Edward F. Albee Foundation']);
  });

  it('compares quantities near the asked words: "more species"', () => {
    const r = read('Which genus has more species, Xanthoceras or Ehretia?', [
      p('Xanthoceras', 'Xanthoceras is a genus of flowering plants. It contains 2 species native to China.'),
      p('Ehretia', 'Ehretia is a genus of flowering plants in the borage family. It contains about 66 species.'),
    ]);
    expect(r.candidates[0]?.text).toBe('Ehretia');
  });

  it('without a comparison, picks the option whose text holds what is asked', () => {
    const r = read('Which band is from England, Fireflight or Dirty Pretty Things?', [
      p('Fireflight', 'Fireflight is a Christian rock band from Eustis, Florida.'),
      p('Dirty Pretty Things', 'Dirty Pretty Things were a rock band formed in London, England in 2005.'),
    ]);
    expect(r.candidates.map((c) => c.text)).toEqual(['Dirty Pretty Things', 'Fireflight']);
  });

  it('with no evidence about the options, splits evenly: the entropy says it does not know', () => {
    const r = read('Who was born first, Emma Bull or Virginia Woolf?', [p('Pasta', 'Pasta is boiled in salted water.')]);
    expect(r.candidates.map((c) => c.prob)).toEqual([0.5, 0.5]);
    expect(r.normalizedEntropy).toBeCloseTo(1, 6);
  });

  it('answers yes when every subject\'s text holds what is asked, no when one lacks it', () => {
    const verdi = p('Giuseppe Verdi', 'Giuseppe Fortunino Francesco Verdi was an Italian opera composer.');
    const thomas = p('Ambroise Thomas', 'Charles Louis Ambroise Thomas was a French composer, best known for his operas.');
    const yes = read('Are Giuseppe Verdi and Ambroise Thomas both opera composers?', [verdi, thomas]);
    expect(yes.candidates[0]).toMatchObject({ text: 'yes', citations: [1, 2] });
    const no = read('Are Giuseppe Verdi and Ambroise Thomas both opera composers?', [verdi, p('Ambroise Thomas', 'Ambroise Thomas was a French politician.')]);
    expect(no.candidates[0]?.text).toBe('no');
  });

  it('yes/no: framing words ("located", "types of") are not what the subjects\' texts must hold', () => {
    const yes = read('Are Guildford Cathedral and St Paul\'s Cathedral both located in England?', [
      p('Guildford Cathedral', 'Guildford Cathedral is an Anglican cathedral in Guildford, Surrey, England.'),
      p('St Paul\'s Cathedral', 'St Paul\'s Cathedral is an Anglican cathedral in London, England.'),
    ]);
    // Before, neither text said "located": half the asked terms missing read as a tie, and a tie answers no.
    expect(yes.candidates[0]?.text).toBe('yes');
  });

  it('"the same ...": yes when the subjects\' leads describe them alike', () => {
    const same = read('Were Scott Derrickson and Ed Wood of the same nationality?', [
      p('Scott Derrickson', 'Scott Derrickson (born July 16, 1966) is an American director, screenwriter and producer.'),
      p('Ed Wood', 'Edward Davis Wood Jr. (October 10, 1924 – December 10, 1978) was an American filmmaker, actor and writer.'),
    ]);
    expect(same.candidates[0]?.text).toBe('yes');
    const differ = read('Were Scott Derrickson and Jean Renoir of the same nationality?', [
      p('Scott Derrickson', 'Scott Derrickson is an American director.'),
      p('Jean Renoir', 'Jean Renoir was a French film director, screenwriter and actor.'),
    ]);
    expect(differ.candidates[0]?.text).toBe('no');
  });

  it('"the same city": compares the first place each lead puts its subject in, not the nationality', () => {
    const q = 'Were Goo Goo Dolls and Echosmith formed in the same city?';
    const gooGoo = p('Goo Goo Dolls', 'The Goo Goo Dolls are an American rock band formed in 1986 in Buffalo, New York, by Johnny Rzeznik.');
    const echosmith = p('Echosmith', 'Echosmith is an American indie pop band formed in February 2009 in Chino, California.');
    expect(read(q, [gooGoo, echosmith]).candidates[0]?.text).toBe('no');
    const buffalo = p('Echosmith', 'Echosmith is an American indie pop band formed in February 2009 in Buffalo, New York.');
    expect(read(q, [gooGoo, buffalo]).candidates[0]?.text).toBe('yes');
    // Lower-case words between "in" and the place are passed over: Yancheng against Sichuan.
    const province = read('Are both Dafeng District and Dazhou located in the same province?', [
      p('Dafeng District', 'Dafeng District is a district in Yancheng, Jiangsu province, China.'),
      p('Dazhou', 'Dazhou is a prefecture-level city in northeastern Sichuan province, China.'),
    ]);
    expect(province.candidates[0]?.text).toBe('no');
  });

  it('"what do A and B share?": no function word is a shared phrase ("whose")', () => {
    const r = read('The Polar Bear and Daiquiri are both examples of what?', [
      p('Polar Bear (cocktail)', 'A Polar Bear is a mint chocolate cocktail whose taste is that of a peppermint pattie.'),
      p('Daiquiri', 'Daiquiri is a family of cocktails whose main ingredients are rum, citrus juice, and sugar.'),
    ]);
    expect(r.candidates.map((c) => c.text)).toEqual(['cocktail']);
  });

  it('"what do A and B share?": a phrase both leads hold', () => {
    const r = read('What occupation is shared by both Marge Piercy and Richard Aldington?', [
      p('Marge Piercy', 'Marge Piercy (born March 31, 1936) is an American progressive activist and poet. Her work includes novels.'),
      p('Richard Aldington', 'Richard Aldington, born Edward Godfree Aldington, was an English writer and poet.'),
    ]);
    expect(r.candidates[0]?.text).toBe('poet');
    // Both descriptions say it: it keeps all of its probability (only phrases outside them give some up).
    expect(r.unsupported ?? 0).toBeLessThan(0.05);
  });

  it('"what do A and B share?": no phrase starts inside a word, and a word one text has only in a name is no trait', () => {
    const r = read('What type of structure does 277 Park Avenue and 126 Madison Avenue have in common?', [
      p('277 Park Avenue', '277 Park Avenue is an office building in the Midtown Manhattan neighborhood of New York City. It stands on the east side of Park Avenue between East 47th and 48th Streets.'),
      p('126 Madison Avenue', '126 Madison Avenue (also known as 15 East 30th Street) is a proposed residential skyscraper in NoMad, Manhattan, New York City. The building will rise 47 stories.'),
    ]);
    // Before: "th Streets" (of "48th Streets" and "30th Street"), "east" (a name's part in the second), "New York City".
    expect(r.candidates.map((c) => c.text)).toEqual(['building']);
  });

  it('"what do A and B share?": a phrase both leads only mention is no certainty', () => {
    const r = read('Astro Boy and The Secret of Kells share which genre of film?', [
      p('Astro Boy', 'Astro Boy is a Japanese manga series written and illustrated by Osamu Tezuka over many long years. It was released in 1952.'),
      p('The Secret of Kells', 'The Secret of Kells is a 2009 animated fantasy film directed by Tomm Moore and Nora Twomey in Kilkenny. It was released in Ireland.'),
    ]);
    expect(r.candidates.map((c) => c.text)).toEqual(['released']);
    // Before, the lone phrase was renormalised to probability 1 and entropy 0.
    expect(r.candidates[0]?.prob).toBeCloseTo(0.5, 6);
    expect(r.unsupported).toBeCloseTo(0.5, 6);
  });
});

describe('ExtractiveReader in factoid modes', () => {
  it('extractive spans answer an options question with an option, never a sentence', async () => {
    const reader = new ExtractiveReader(new TextMemo(), { maxCandidates: 8, temperature: 0.08, spans: 'auto', spanSentences: 5 });
    const r = await reader.answer('Who was born first, Arthur Conan Doyle or Penelope Lively?', [LIVELY, DOYLE], new RunContext());
    expect(r.candidates.map((c) => c.text)).toEqual(['Sir Arthur Ignatius Conan Doyle', 'Penelope Margaret Lively']);
  });

  it('the sentence reader leaves options questions to sentences', async () => {
    const reader = new ExtractiveReader(new TextMemo());
    const r = await reader.answer('Who was born first, Arthur Conan Doyle or Penelope Lively?', [LIVELY, DOYLE], new RunContext());
    expect(r.candidates[0]?.text).toMatch(/\.$/);
  });

  it('linked mode proposes the title of the passage the question\'s subject links to (the bridge entity)', async () => {
    const passages = [
      p('2014 S/S', '2014 S/S is the debut album of South Korean boy group Winner. It was released by YG Entertainment in August 2014.'),
      p('YG Entertainment', 'YG Entertainment is a South Korean entertainment company founded in 1996 by Yang Hyun-suk. It formed the boy group Winner.'),
      p('Shinee', 'Shinee is a South Korean boy group formed by SM Entertainment in 2008.'),
    ];
    const question = '2014 S/S is the debut album of a South Korean boy group that was formed by who?';
    const linked = new ExtractiveReader(new TextMemo(), { maxCandidates: 8, temperature: 0.08, spans: 'linked', spanSentences: 5 });
    const r = await linked.answer(question, passages, new RunContext());
    expect(r.candidates[0]).toMatchObject({ text: 'YG Entertainment' });
    expect(r.candidates[0]?.citations).toEqual([1, 2]);
    // Shinee is linked from no passage: not a bridge.
    expect(r.candidates.map((c) => c.text)).not.toContain('Shinee');
  });
});
