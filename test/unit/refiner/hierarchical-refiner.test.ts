import { describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import { TextMemo } from '../../../src/core/text-memo.js';
import type { StructureNode } from '../../../src/core/types.js';
import { HierarchicalRefiner } from '../../../src/refiner/hierarchical-refiner.js';
import { QueryFormClassifier } from '../../../src/refiner/query-form-classifier.js';
import { TitleMatchSelector } from '../../../src/refiner/title-match-selector.js';
import { estimateTokenCounter } from '../../../src/refiner/token-counter.js';
import { LexicalReranker } from '../../../src/rerankers/lexical-reranker.js';
import { parsePlainText } from '../../../src/store/parse-plain-text.js';

const memo = new TextMemo();
const deps = { scorer: new LexicalReranker(memo), analyzer: new QueryFormClassifier(), selector: new TitleMatchSelector(), tokens: estimateTokenCounter, memo };
const refiner = new HierarchicalRefiner(deps, { maxUnitWords: 40 });
const para = (text: string): StructureNode => ({ kind: 'paragraph', text, level: 1, children: [] });
const section = (title: string, ...children: StructureNode[]): StructureNode => ({ kind: 'section', title, level: 1, children });
const doc = (title: string, ...children: StructureNode[]): StructureNode => ({ kind: 'document', title, level: 0, children });

describe('HierarchicalRefiner', () => {
  it('keeps the relevant paragraph within the budget, with title, heading path and a node chunk id', async () => {
    const structure = doc(
      'Physics prizes',
      section('Early years', para('The prize was founded by the will of Alfred Nobel in 1895.')),
      section('First laureate', para('The first Nobel Prize in Physics went to Wilhelm Röntgen for discovering X-rays.')),
      section('Later', para('Later laureates included many theoretical physicists from Europe and America.')),
    );
    const ctx = new RunContext();
    const r = await refiner.refine('who got the first nobel prize in physics', [{ docId: 'd1', title: 'Physics prizes', structure }], 30, ctx);
    expect(r.passages.map((p) => p.text).join(' ')).toContain('Röntgen');
    const p = r.passages.find((x) => x.text.includes('Röntgen'));
    expect(p?.chunkId).toMatch(/^d1#\d/);
    expect(p?.title).toBe('Physics prizes');
    expect(p?.headingPath).toEqual(['First laureate']);
    expect(r.tokensOut).toBeLessThanOrEqual(30);
    expect(r.tokensIn).toBeGreaterThan(r.tokensOut);
    const span = ctx.trace.spans.find((s) => s.name === 'refine.hierarchical');
    expect(span?.attrs?.['tokensIn']).toBe(r.tokensIn);
    expect(span?.attrs?.['tokensOut']).toBe(r.tokensOut);
  });

  it('emits in document order and lets a chosen parent replace its chosen children', async () => {
    const structure = doc('D', section('Cats', para('Cats purr and cats sleep.'), para('Cats hunt mice at night, cats do.')), section('Dogs', para('Dogs bark.')));
    const r = await refiner.refine('cats', [{ docId: 'd', title: 'D', structure }], 1000, new RunContext());
    // Everything fits: one passage per top-level part at most, never a paragraph alongside its own section.
    const ids = r.passages.map((p) => p.chunkId);
    for (const a of ids) for (const b of ids) if (a !== b) expect(b.startsWith(`${a}.`)).toBe(false);
    const order = r.passages.map((p) => p.text.indexOf('Cats') >= 0 ? 0 : 1);
    expect(order).toEqual([...order].sort());
  });

  it('weighs query terms by the corpus statistics it is given, and says so in the trace', async () => {
    const structure = doc(
      'Meatballs',
      section('Recipe', para('Kofte are grilled meatballs of minced lamb and onion.')),
      section('Storage', para('Leftovers carry risks when kept warm for hours.')),
      section('Serving', para('Kofte go well with rice.')),
    );
    const documents = [{ docId: 'm', title: 'Meatballs', structure }];
    const plain = new RunContext();
    const local = await refiner.refine('kofte risks', documents, 14, plain);
    // Among these paragraphs "kofte" is the commoner term, so the one with "risks" wins.
    expect(local.termWeights).toBe('request');
    expect(plain.trace.spans.find((s) => s.name === 'refine.hierarchical')?.attrs?.['termWeights']).toBe('request');
    const corpus = { size: 100_000, docFreq: (t: string) => ({ kofte: 5, risk: 20_000 })[t] ?? 0 };
    const weighted = new HierarchicalRefiner({ ...deps, terms: () => corpus }, { maxUnitWords: 40 });
    const ctx = new RunContext();
    const r = await weighted.refine('kofte risks', documents, 14, ctx);
    expect(r.termWeights).toBe('corpus');
    expect(r.passages.map((p) => p.text).join(' ')).toContain('Kofte');
    expect(local.passages.map((p) => p.text).join(' ')).toContain('risks');
    expect(ctx.trace.spans.find((s) => s.name === 'refine.hierarchical')?.attrs?.['termWeights']).toBe('corpus');
  });

  it('handles a document with no structure, an empty one, and a budget smaller than any paragraph', async () => {
    const flat = doc('Flat', para('A single long paragraph about rivers and lakes and the water cycle that feeds them.'));
    const empty = doc('Empty');
    const r = await refiner.refine('water cycle', [{ docId: 'e', title: 'Empty', structure: empty }, { docId: 'f', title: 'Flat', structure: flat }], 3, new RunContext());
    expect(r.passages).toHaveLength(1);
    expect(r.passages[0]?.tokens).toBeLessThanOrEqual(3);
    expect(r.passages[0]?.docId).toBe('f');
    const none = await refiner.refine('anything', [{ docId: 'e', title: 'Empty', structure: empty }], 100, new RunContext());
    expect(none.passages).toEqual([]);
    const noQuery = await refiner.refine('', [{ docId: 'f', title: 'Flat', structure: flat }], 100, new RunContext());
    expect(noQuery.passages.length).toBeGreaterThan(0);
  });

  it('leaves room unused rather than fill it with fragments that share no word with the question and score below the mean', async () => {
    const museum = 'The city museum opened in 1887 and holds the famous amber collection of the region.';
    const documents = [
      { docId: 'm', title: 'Museum', structure: doc('Museum', section('History', para(museum))) },
      {
        docId: 'w',
        title: 'Weather',
        structure: doc('Weather', section('Autumn', para('Storms are common in autumn, and the wind blows hard from the west for days.'), para('Rain fell.'), para('Fog.'))),
      },
    ];
    // Room for the museum's paragraph and the two short weather fragments, which share no word with the question.
    const budget = estimateTokenCounter.count(museum) + estimateTokenCounter.count('Rain fell.') + estimateTokenCounter.count('Fog.');
    const r = await refiner.refine('when did the city museum open', documents, budget, new RunContext());
    // Before, the room left after the museum was filled with "Rain fell." and "Fog.".
    expect(r.passages.map((p) => p.docId)).toEqual(['m']);
    expect(r.passages[0]?.text).toContain(museum);
    // A low-scoring paragraph that shares a word with the question may be the second hop: it still fills the room.
    const hop = [...documents, { docId: 'c', title: 'City', structure: doc('City', section('Streets', para('The city has narrow streets.'))) }];
    const withHop = await refiner.refine('when did the city museum open', hop, budget + estimateTokenCounter.count('The city has narrow streets.'), new RunContext());
    expect(withHop.passages.map((p) => p.docId)).toContain('c');
  });

  it('keeps the headings of the subsections inside a section taken whole, and counts them in the budget', async () => {
    const early = 'In his early reign the king built roads and granaries across the kingdom.';
    const later = 'In his later reign the king fought wars, and the kingdom lost its granaries.';
    const query = 'the reign of the king: roads, granaries, wars';
    const count = estimateTokenCounter.count;
    const structure = doc('King', section('Reign', section('Early years', para(early)), section('Later years', para(later))), section('Family', para('He married twice.')));
    const headed = count('## Early years') + count(early) + count('## Later years') + count(later);
    const r = await refiner.refine(query, [{ docId: 'k', title: 'King', structure }], headed, new RunContext());
    const reign = r.passages.find((p) => p.text.includes(early));
    expect(reign?.headingPath).toEqual(['Reign']);
    // As Markdown headings, so a reader takes them for headings of the lines below, not for sentences.
    expect(reign?.text).toBe(`## Early years\n${early}\n\n## Later years\n${later}`);
    expect(reign?.tokens).toBe(headed);
    // Headings are paid for: a budget that holds the two paragraphs alone cannot hold the section whole.
    const tight = await refiner.refine(query, [{ docId: 'k', title: 'King', structure }], count(early) + count(later), new RunContext());
    expect(tight.passages.map((p) => p.text)).toEqual([early, later]);
    // A section nested deeper is headed by its heading path below the passage's own.
    const nested = doc('King', section('Reign', section('Wars', section('North', para(later)), section('South', para(early)))), section('Family', para('He married twice.')));
    const deep = await refiner.refine(query, [{ docId: 'k', title: 'King', structure: nested }], headed + count('## Wars > North') + count('## Wars > South'), new RunContext());
    const wars = deep.passages.find((p) => p.text.includes(later));
    const below = (path: string[]): string => path.slice(wars?.headingPath?.length ?? 0).join(' > ');
    expect(wars?.headingPath?.length ?? 0).toBeLessThan(3);
    expect(wars?.text).toBe(`## ${below(['Reign', 'Wars', 'North'])}\n${later}\n\n## ${below(['Reign', 'Wars', 'South'])}\n${early}`);
  });

  it('refines a 5 MB document', async () => {
    const sentences = Array.from({ length: 60_000 }, (_, i) => `Sentence ${i} talks about topic ${i % 97} and more words here.`);
    sentences[31_337] = 'The secret ingredient of the recipe is saffron.';
    const text = sentences.join(' ');
    expect(text.length).toBeGreaterThan(3_000_000);
    const structure = parsePlainText(`${text} ${text.slice(0, 2_000_000)}`, 'Big');
    const r = await refiner.refine('what is the secret ingredient of the recipe', [{ docId: 'big', title: 'Big', structure }], 200, new RunContext());
    expect(r.tokensOut).toBeLessThanOrEqual(200);
    expect(r.passages.map((p) => p.text).join(' ')).toContain('saffron');
  }, 60_000);
});
