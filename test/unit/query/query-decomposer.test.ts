import { describe, expect, it } from 'vitest';
import { QueryDecomposer } from '../../../src/query/query-decomposer.js';

const decompose = (q: string, maxSubQueries = 4): string[] => new QueryDecomposer({ maxSubQueries }).decompose(q);

describe('QueryDecomposer', () => {
  it('splits several questions in one text', () => {
    expect(decompose('What is a quasar? Who discovered pulsars?')).toEqual(['What is a quasar?', 'Who discovered pulsars?']);
  });

  it('splits a second question joined by "and" plus a question word', () => {
    expect(decompose('What aspects of lake productivity are measured and how is water visibility monitored?')).toEqual([
      'What aspects of lake productivity are measured',
      'how is water visibility monitored?',
    ]);
  });

  it('splits "X and also Y"', () => {
    expect(decompose('history of the Eiffel Tower and also ticket prices for the Louvre')).toEqual([
      'history of the Eiffel Tower',
      'ticket prices for the Louvre',
    ]);
  });

  it('gives a sub-query that points back ("they") the words it points at', () => {
    const subs = decompose('What are the characteristics of subglacial volcanoes, and how do they affect glacier movement?');
    expect(subs).toHaveLength(2);
    expect(subs[1]).toMatch(/^how do they affect glacier movement/);
    expect(subs[1]).toContain('volcanoes');
  });

  it('gives no referent to a short question that names its own subject ("what is rrf")', () => {
    // Before: "what is rrf bm25", the one-word subject taken for an ellipsis.
    expect(decompose('what is bm25; what is rrf?')).toEqual(['what is bm25', 'what is rrf?']);
  });

  it('uses a context sentence as the referent of a question', () => {
    const subs = decompose('I heard Malaysia has a national flower. What is it and where can I see it in Kuala Lumpur?');
    expect(subs).toHaveLength(2);
    expect(subs[0]).toContain('flower');
    expect(subs[1]).toContain('Kuala Lumpur');
  });

  it('splits "which is older, A or B" into one sub-query per side with the compared aspect', () => {
    expect(decompose('Which is older, the Eiffel Tower or the Statue of Liberty?')).toEqual(['Eiffel Tower older', 'Statue of Liberty older']);
    expect(decompose('Which band, Letters to Cleo or Screaming Trees, had more members?')).toEqual([
      'Letters to Cleo band more members',
      'Screaming Trees band more members',
    ]);
  });

  it('splits a yes/no comparison of two named entities', () => {
    expect(decompose('Were Scott Derrickson and Ed Wood of the same nationality?')).toEqual(['Scott Derrickson nationality', 'Ed Wood nationality']);
    expect(decompose('are giuseppe verdi and ambroise thomas both opera composers')).toEqual([
      'giuseppe verdi opera composers',
      'ambroise thomas opera composers',
    ]);
  });

  it('keeps two single words joined by "and" as one name, unless the question speaks of them apart', () => {
    // Before, "Simon" and "Garfunkel" were searched for apart.
    expect(decompose('When did Simon and Garfunkel release Bridge over Troubled Water?')).toEqual(['When did Simon and Garfunkel release Bridge over Troubled Water?']);
    expect(decompose('Who founded Procter and Gamble?')).toEqual(['Who founded Procter and Gamble?']);
    expect(decompose('Were Lennon and McCartney both born in Liverpool?')).toEqual(['Lennon born Liverpool', 'McCartney born Liverpool']);
    expect(decompose('Is Beech or Daviesia native further south?')).toEqual(['Beech native further south', 'Daviesia native further south']);
    // A yes/no question: the lower-case fallback split it into "Procter Cincinnati" (losing "founded") and "Gamble ...".
    expect(decompose('Was Procter and Gamble founded in Cincinnati?')).toEqual(['Was Procter and Gamble founded in Cincinnati?']);
    expect(decompose('Were Simon and Garfunkel born in New York?')).toEqual(['Were Simon and Garfunkel born in New York?']);
    // A nationality ending a yes/no question is its predicate, not the last word of the name: before, "Procter" and
    // "Gamble American".
    expect(decompose('Is Procter and Gamble American?')).toEqual(['Is Procter and Gamble American?']);
    expect(decompose('Are Tom Hanks and Meg Ryan American?')).toEqual(['Tom Hanks American', 'Meg Ryan American']);
  });

  it('splits a list of single-word names, with or without the comma before "and"', () => {
    const three = ['Simon born New York', 'Garfunkel born New York', 'Zemeckis born New York'];
    expect(decompose('Were Simon, Garfunkel and Zemeckis born in New York?')).toEqual(three);
    // Before, "Simon, Garfunkel, New York" and "Zemeckis born New York".
    expect(decompose('Were Simon, Garfunkel, and Zemeckis born in New York?')).toEqual(three);
    // Before, "Zemeckis and Leiner" was kept as one name and the list mangled.
    expect(decompose('Were Simon, Garfunkel, Zemeckis and Leiner born in New York?')).toEqual([...three, 'Leiner born New York']);
  });

  it('splits a list of names into one sub-query each, with or without the comma before "and"', () => {
    const three = ['Scott Derrickson American', 'Ed Wood American', 'Tim Burton American'];
    // Before, the list was cut at its last "and" only, into "Wood ..." and "Tim Burton ...".
    expect(decompose('Were Scott Derrickson, Ed Wood and Tim Burton all American?')).toEqual(three);
    expect(decompose('Were Scott Derrickson, Ed Wood, and Tim Burton all American?')).toEqual(three);
    // A name after a comma is whole: "the gates: Brook Bar and Trafford Bar" once lost "Brook".
    expect(decompose('Which club plays between the old toll gates: Brook Bar and Trafford Bar?')).toEqual([
      'Brook Bar club plays between old toll gates',
      'Trafford Bar club plays between old toll gates',
    ]);
    // Places with their countries are not a list.
    expect(decompose('How long is the bridge that connects Copenhagen, Denmark and Malmo, Sweden?')).not.toContain('Denmark long bridge connects Sweden');
  });

  it('splits "differences between A and B" and "A vs B"', () => {
    expect(decompose('what are the differences between real time display and real time recording?')).toEqual([
      'real time display',
      'real time recording',
    ]);
    expect(decompose('nuclear power plants vs wind turbine farms')).toEqual(['nuclear power plants', 'wind turbine farms']);
  });

  it('splits a multi-aspect question into one question per aspect', () => {
    expect(decompose('What are the geographical origins and surgical advancements of ancient cranial surgery?')).toEqual([
      'What are the geographical origins of ancient cranial surgery?',
      'What are the surgical advancements of ancient cranial surgery?',
    ]);
  });

  it('splits off a relative clause that describes a second entity', () => {
    expect(decompose('Bordan Tkachuk was the CEO of a company that provides what sort of products?')).toEqual([
      'Bordan Tkachuk was the CEO of a company',
      'company provides what sort of products?',
    ]);
    // A clause with a single content word is not worth a retrieval of its own.
    const q = '2014 S/S is the debut album of a South Korean boy group that was formed by who?';
    expect(decompose(q)).toEqual([q]);
  });

  it('leaves plain questions, claims and keyword queries whole', () => {
    for (const q of [
      'How deep can fish survive in the ocean trenches?',
      'What are the main collections housed in the Horniman Museum?',
      'how do franciscan friars use skateboarding and basketball',
      'Cells that lack the receptor show reduced growth and migration.',
      'Transcription rates in S. cerevisiae range between 7 and 12 kb/min.',
      'employer obligations nepal social security washington',
    ]) {
      expect(decompose(q), q).toEqual([q]);
    }
  });

  it('keeps at most maxSubQueries', () => {
    expect(decompose('What is A1 quasar? What is B2 pulsar? What is C3 magnetar?', 2)).toEqual(['What is A1 quasar?', 'What is B2 pulsar?']);
  });

  it('handles punctuation only, a very long query and other scripts without splitting', () => {
    expect(decompose('?!?')).toEqual(['?!?']);
    const long = Array.from({ length: 500 }, (_, i) => `word${i}`).join(' ');
    expect(decompose(long)).toEqual([long]);
    expect(decompose('東京タワーの高さは？')).toEqual(['東京タワーの高さは？']);
  });
});
