import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunContext, type StageLogger } from '../../../src/core/run-context.js';
import type { StructureNode } from '../../../src/core/types.js';
import { OpenAiChatClient } from '../../../src/models/openai-chat-client.js';
import { Ingestor } from '../../../src/store/ingestor.js';
import { LlmTreeStructurer, type LlmTreeStructurerOptions, type StructureOutcome } from '../../../src/store/llm-tree-structurer.js';
import { parseMarkdown } from '../../../src/store/parse-markdown.js';
import { parsePlainText } from '../../../src/store/parse-plain-text.js';
import { SqliteStore } from '../../../src/store/sqlite-store.js';
import { plainText, sectionsOf } from '../../../src/store/structure.js';
import { sourceItems, structureWindows } from '../../../src/store/structure-windows.js';
import { OpenAiTestServer } from '../../helpers/openai-test-server.js';
import { abbreviate, groupedTreeReply, shownParagraphs } from '../../helpers/tree-reply.js';

const P = [
  'Marrowby is a small harbour town on the northern coast, known for its lighthouse and its herring market.',
  'The town has about nine thousand inhabitants and a ferry link to the outer islands.',
  'Marrowby was founded by fishermen in 1214, when the bay offered shelter from the winter storms.',
  'In 1602 a fire destroyed most of the wooden houses, and the town was rebuilt in stone.',
  'The lighthouse was built in 1871 by the engineer Agnes Threlkeld and still guides ships today.',
  'Its lamp was converted to electricity in 1936 and automated in 1989.',
  'Herring fishing remained the main trade until the stocks collapsed in the 1970s.',
  'Today tourism and a small shipyard employ most of the working population.',
];
const ARTICLE = P.join('\n\n');
const a = (i: number): string => abbreviate(P[i] ?? '');

/** The model's tree for ARTICLE: an abstract, a section with a quoted sub-section, a quoted and an unquoted section. */
const GOOD_REPLY = [
  '<abstract>',
  a(0),
  a(1),
  '</abstract>',
  '<section: History>',
  a(2),
  '<sub-section: "The great fire">',
  a(3),
  '</sub-section: "The great fire">',
  '</section: History>',
  '<section: "Lighthouse">',
  a(4),
  a(5),
  '</section: "Lighthouse">',
  '<section: Economy>',
  a(6),
  a(7),
  '</section: Economy>',
].join('\n');

const para = (text: string, level: number): StructureNode => ({ kind: 'paragraph', text, level, children: [] });
const EXPECTED: StructureNode = {
  kind: 'document',
  title: 'Marrowby',
  level: 0,
  children: [
    para(P[0] ?? '', 0),
    para(P[1] ?? '', 0),
    {
      kind: 'section',
      title: 'History',
      level: 1,
      children: [para(P[2] ?? '', 1), { kind: 'section', title: 'The great fire', level: 2, children: [para(P[3] ?? '', 2)] }],
    },
    { kind: 'section', title: 'Lighthouse', level: 1, children: [para(P[4] ?? '', 1), para(P[5] ?? '', 1)] },
    { kind: 'section', title: 'Economy', level: 1, children: [para(P[6] ?? '', 1), para(P[7] ?? '', 1)] },
  ],
};

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await OpenAiTestServer.start();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  server.setReply(undefined);
});

const OPTIONS: LlmTreeStructurerOptions = { windowChars: 16000, maxWindows: 64, concurrency: 4, maxTokens: 4096 };

function structurer(options: Partial<LlmTreeStructurerOptions> = {}): LlmTreeStructurer {
  const client = new OpenAiChatClient({ baseUrl: server.baseUrl, model: 'test-model', timeoutMs: 5000, maxRetries: 0, retryBaseMs: 1, retryMaxMs: 1, concurrency: 8 });
  return new LlmTreeStructurer((m, o, ctx) => client.chat(m, o, ctx), { ...OPTIONS, ...options });
}

const task = (text: string, id = 'marrowby', title = 'Marrowby') => ({ id, title, source: parsePlainText(text, title, { topicSections: false }) });

function recordingLog(): StageLogger & { warnings: Array<{ obj: object; msg: string }> } {
  const warnings: Array<{ obj: object; msg: string }> = [];
  return { warnings, debug: () => undefined, warn: (obj: object, msg?: string) => void warnings.push({ obj, msg: msg ?? '' }) };
}

async function structureOne(text: string, reply: string, options: Partial<LlmTreeStructurerOptions> = {}, ctx = new RunContext()): Promise<StructureOutcome> {
  server.enqueue({ text: reply });
  const [outcome] = await structurer(options).structure([task(text)], ctx);
  return outcome as StructureOutcome;
}

const treeOf = (o: StructureOutcome): StructureNode => {
  if (o.by !== 'llm') throw new Error(`expected the LLM's tree, got the rules: ${o.reason}`);
  return o.tree;
};

describe('LlmTreeStructurer', () => {
  it('restores the tree onto the original paragraphs: abstract, nested sections, titles quoted or not', async () => {
    const ctx = new RunContext();
    const outcome = await structureOne(ARTICLE, GOOD_REPLY, {}, ctx);
    expect(treeOf(outcome)).toEqual(EXPECTED);
    expect(outcome).toMatchObject({ by: 'llm', windows: 1, stats: { anchors: 8, matched: 8, sections: 4, omittedWords: 0 } });
    // The model saw the title and the whole text, at temperature 0.
    const sent = server.chatRequests()[0];
    expect(sent).toMatchObject({ temperature: 0, max_tokens: 4096 });
    const user = (sent?.messages as Array<{ content: string }>)[1]?.content ?? '';
    expect(user).toContain('Title: Marrowby');
    expect(user).toContain(ARTICLE);
    expect(ctx.trace.spans.find((s) => s.name === 'ingest.structure')?.attrs).toEqual({ structurer: 'llm', documents: 1, llm: 1, rules: 0, fallbacks: 0, calls: 1 });
    expect(ctx.trace.spans.some((s) => s.name === 'llm.chat')).toBe(true);
  });

  it('matches anchors despite changes of case, punctuation, quotes, spacing and the ellipsis', async () => {
    const sloppy = GOOD_REPLY.replace(a(0), 'MARROWBY  is a small \u2026 its Herring-Market')
      .replace(a(4), '"the lighthouse, was built"...still guides ships today!')
      .replace(a(6), 'herring fishing remained the . . . in the 1970s')
      .replace('<section: Economy>', '<section:   "Economy" >');
    expect(treeOf(await structureOne(ARTICLE, sloppy))).toEqual(EXPECTED);
  });

  it('keeps text the model leaves out: in the section before it, or at the top before the first section', async () => {
    const partial = ['<section: History>', a(2), '</section: History>', '<section: Lighthouse>', a(4), '</section: Lighthouse>', '<section: Economy>', a(7), '</section: Economy>'].join('\n');
    const outcome = await structureOne(ARTICLE, partial);
    const tree = treeOf(outcome);
    expect(plainText(tree)).toBe(P.join('\n\n'));
    expect(sectionsOf(tree)).toEqual([
      { headingPath: [], paragraphs: [P[0], P[1]] },
      { headingPath: ['History'], paragraphs: [P[2], P[3]] },
      // The model skipped P6 and put P7 under Economy: P6 stays where it is, after Lighthouse's own text.
      { headingPath: ['Lighthouse'], paragraphs: [P[4], P[5], P[6]] },
      { headingPath: ['Economy'], paragraphs: [P[7]] },
    ]);
    const omitted = [0, 1, 3, 5, 6].reduce((n, i) => n + (P[i] ?? '').split(/\s+/).length, 0);
    expect(outcome).toMatchObject({ stats: { anchors: 3, matched: 3, omittedWords: omitted } });
  });

  it('cuts a paragraph where the model starts a new section inside it, at the sentence, quotes included', async () => {
    const text = 'Cats sleep most of the day in warm corners. "Cats purr," owners say, when they are content.  \n\nDogs bark at strangers near the gate. A dog guards the house at night.';
    const runOn = 'Cats sleep most of the day in warm corners. "Cats purr," owners say, when they are content. Dogs bark at strangers near the gate. A dog guards the house at night.';
    const reply = ['<section: Cats>', 'Cats sleep most of...they are content.', '</section: Cats>', '<section: Dogs>', 'Dogs bark at strangers...house at night.', '</section: Dogs>'].join('\n');
    expect(sectionsOf(treeOf(await structureOne(runOn, reply)))).toEqual([
      { headingPath: ['Cats'], paragraphs: ['Cats sleep most of the day in warm corners. "Cats purr," owners say, when they are content.'] },
      { headingPath: ['Dogs'], paragraphs: ['Dogs bark at strangers near the gate. A dog guards the house at night.'] },
    ]);
    const quoted = ['<section: Home>', 'Cats sleep most of...in warm corners.', '</section: Home>', '<section: Purring>', 'Cats purr owners say...they are content.', '</section: Purring>'].join('\n');
    expect(sectionsOf(treeOf(await structureOne(text, quoted)))).toEqual([
      { headingPath: ['Home'], paragraphs: ['Cats sleep most of the day in warm corners.'] },
      { headingPath: ['Purring'], paragraphs: ['"Cats purr," owners say, when they are content.', 'Dogs bark at strangers near the gate. A dog guards the house at night.'] },
    ]);
  });

  it('falls back to the rules, flagged with the reason and logged, for a reply that is not a tree', async () => {
    const log = recordingLog();
    const outcome = await structureOne(ARTICLE, "I'm sorry, but I can't help with structuring documents.", {}, new RunContext({ log }));
    expect(outcome).toEqual({ by: 'rules', fallback: true, reason: 'the reply is not in the tree format (no <abstract> or <section: ...> tags)' });
    expect(log.warnings).toEqual([{ obj: { doc: 'marrowby', reason: outcome.by === 'rules' ? outcome.reason : '' }, msg: 'LLM structuring fell back to the rule-based structure' }]);
  });

  it('falls back when too few anchors are found in the text, and says when the reply was cut off', async () => {
    const invented = ['<section: History>', 'The town was founded...by Vikings.', a(2), '</section: History>', '<section: People>', 'Famous people include...many sailors.', 'Its mayor is...elected yearly.'].join('\n');
    expect(await structureOne(ARTICLE, invented)).toEqual({ by: 'rules', fallback: true, reason: 'only 1 of 4 abbreviated paragraphs were found in the text' });
    server.enqueue({ text: '<section: History>\nnothing of the text here', finishReason: 'length' });
    const [cut] = await structurer().structure([task(ARTICLE)], new RunContext());
    expect(cut).toMatchObject({ by: 'rules', reason: 'only 0 of 1 abbreviated paragraphs were found in the text (a reply was cut off at refiner.llmStructure.maxTokens, 4096)' });
    expect(await structureOne(ARTICLE, '<section: Empty></section: Empty>')).toEqual({ by: 'rules', fallback: true, reason: 'the reply holds no paragraphs' });
  });

  it('structures a long document in windows and merges them: a section going on across windows stays one', async () => {
    // Three topics over nine paragraphs; windows of about three paragraphs cut the topics in the middle.
    const topics = ['Alpine', 'Baltic', 'Coastal'];
    const paragraphs = [0, 0, 0, 0, 1, 1, 1, 2, 2].map((t, i) => `${topics[t]} paragraph number ${i} describes ${topics[t]?.toLowerCase()} weather, winds and rain in the region number ${i}.`);
    let window = 0;
    server.setReply((request) => {
      const shown = shownParagraphs(request);
      window++;
      // The third window's model calls the text before its first section an abstract.
      return { text: groupedTreeReply(shown, (p) => (window === 3 && p.startsWith('Baltic') ? null : `${p.split(' ')[0]} climate`)), delayMs: 30 };
    });
    const ctx = new RunContext();
    const [outcome] = await structurer({ windowChars: 300, concurrency: 2 }).structure([task(paragraphs.join('\n\n'))], ctx);
    expect(outcome).toMatchObject({ by: 'llm', windows: 3 });
    expect(sectionsOf(treeOf(outcome as StructureOutcome))).toEqual([
      { headingPath: ['Alpine climate'], paragraphs: paragraphs.slice(0, 4) },
      { headingPath: ['Baltic climate'], paragraphs: paragraphs.slice(4, 7) },
      { headingPath: ['Coastal climate'], paragraphs: paragraphs.slice(7) },
    ]);
    const users = server.chatRequests().map((r) => (r.messages as Array<{ content: string }>)[1]?.content ?? '');
    expect(users.map((u) => /part (\d) of 3/.exec(u)?.[1]).sort()).toEqual(['1', '2', '3']);
    expect(server.maxInFlight).toBe(2);
    expect(ctx.trace.spans.find((s) => s.name === 'ingest.structure')?.attrs).toMatchObject({ calls: 3 });
  });

  it('leaves short documents, and documents needing more windows than allowed, to the rules without asking', async () => {
    const outcomes = await structurer({ windowChars: 500, maxWindows: 1 }).structure([task('Just one paragraph here.', 'short'), task(`${ARTICLE}\n\n${ARTICLE}\n\n${ARTICLE}`, 'long')], new RunContext());
    expect(outcomes).toEqual([
      { by: 'rules', fallback: false, reason: 'fewer than 25 words: nothing to organise' },
      { by: 'rules', fallback: true, reason: 'needs 5 windows of 500 characters, more than refiner.llmStructure.maxWindows (1)' },
    ]);
    expect(server.chatRequests()).toHaveLength(0);
  });

  it("turns the document's own headings into the model's titles, and keeps a heading it renamed as text", async () => {
    const sights = 'The old walls and the river gardens are worth a visit on a sunny afternoon in spring.';
    const museum = 'The city museum opened in 1887 and holds the largest amber collection of the whole region.';
    const md = `# Guide\n\n## Sights\n\n${sights}\n\n## Museum\n\n${museum}`;
    server.enqueue({ text: `<section: Sights>\n${abbreviate(sights)}\n</section: Sights>\n<section: Amber collection>\n${abbreviate(museum)}\n</section: Amber collection>` });
    const [outcome] = await structurer().structure([{ id: 'guide', title: 'Guide', source: parseMarkdown(md, 'guide') }], new RunContext());
    expect(sectionsOf(treeOf(outcome as StructureOutcome))).toEqual([
      { headingPath: ['Sights'], paragraphs: [sights] },
      { headingPath: ['Amber collection'], paragraphs: ['Museum', museum] },
    ]);
    const user = (server.chatRequests()[0]?.messages as Array<{ content: string }>)[1]?.content ?? '';
    expect(user).toContain('Sights\n\nThe old walls');
  });
});

describe('structureWindows', () => {
  it('keeps whole items together up to the window size and cuts a longer item at spaces, losing nothing', () => {
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const items = [{ text: 'Short first item.', heading: false }, { text: long, heading: false }, { text: 'Title', heading: true }];
    const windows = structureWindows(items, 120);
    for (const w of windows) expect(w.text.length).toBeLessThanOrEqual(120);
    const joined = windows.flatMap((w) => w.slices.map((s) => items[s.item]?.text.slice(s.from, s.to) ?? '')).join('');
    expect(joined).toBe(items.map((i) => i.text).join(''));
    expect(windows[0]?.text).toBe('Short first item.');
    expect(windows[1]?.text.startsWith('word0 word1')).toBe(true);
    for (const w of windows) for (const s of w.slices) if (s.to < (items[s.item]?.text.length ?? 0)) expect(items[s.item]?.text[s.to - 1]).toBe(' ');
  });

  it('sourceItems lists headings and paragraphs in document order', () => {
    expect(sourceItems(parseMarkdown('# T\n\nLead.\n\n## A\n\nIn A.\n\n### B\n\nIn B.', 't'))).toEqual([
      { text: 'Lead.', heading: false },
      { text: 'A', heading: true },
      { text: 'In A.', heading: false },
      { text: 'B', heading: true },
      { text: 'In B.', heading: false },
    ]);
  });
});

describe('Ingestor with the LLM structurer', () => {
  let store: SqliteStore;
  let ingestor: Ingestor;
  beforeEach(() => {
    store = new SqliteStore(':memory:');
    ingestor = new Ingestor(store, { chunkSize: 400, chunkOverlap: 40, maxDocumentChars: 100000, structurer: structurer() });
  });
  afterEach(() => store.close());

  it("stores the LLM's tree, chunks by its sections, and reports which structurer built each document", async () => {
    server.setReply((request) => ({ text: shownParagraphs(request).some((p) => p === P[0]) ? GOOD_REPLY : 'no idea' }));
    const r = await ingestor.ingest([
      { id: 'marrowby', title: 'Marrowby', text: ARTICLE },
      { id: 'other', text: 'Weather report for Monday, the first day of the week, from the national weather service.\n\nRain in the north, sun in the south, and strong winds along the whole of the coast.' },
      { id: 'tiny', text: 'One line only.' },
    ]);
    expect(r.structure).toEqual({ structurer: 'llm', llm: 1, rules: 2, fallbacks: 1, fallbackDocuments: [{ id: 'other', reason: 'the reply is not in the tree format (no <abstract> or <section: ...> tags)' }] });
    expect(store.getDocument('marrowby')?.structure).toEqual(EXPECTED);
    expect(store.getDocument('other')?.structure.children.map((c) => c.kind)).toEqual(['paragraph', 'paragraph']);
    expect(server.chatRequests()).toHaveLength(2);
  });

  it('stores the batch with the rules\' trees when the model server fails, says so, and asks it nothing more', async () => {
    server.setReply(() => ({ status: 500, error: 'model crashed' }));
    const other = `${ARTICLE}\n\nA ninth paragraph, so that this text is not the first one.`;
    const r = await ingestor.ingest([
      { id: 'marrowby', text: ARTICLE },
      { id: 'second', text: other },
    ]);
    expect(r.documents).toBe(2);
    expect(r.structure).toMatchObject({ llm: 0, rules: 2, fallbacks: 2, degraded: { stage: 'structure', reason: 'llm unavailable', fallback: 'rules' } });
    expect(r.structure?.degraded?.message).toMatch(/model crashed/);
    expect(r.structure?.fallbackDocuments.map((d) => d.id)).toEqual(['marrowby', 'second']);
    expect(r.structure?.fallbackDocuments[0]?.reason).toMatch(/^the LLM failed \(llm unavailable\): .*model crashed/);
    // The rules' tree: the plain text's paragraphs, stored and searchable.
    expect(plainText(store.getDocument('marrowby')?.structure as StructureNode)).toContain(P[4]);
    expect(server.chatRequests().length).toBeLessThanOrEqual(2);
  });

  it('does not send the rest of a batch to a model that failed, whatever the failure', async () => {
    const one = new Ingestor(store, { chunkSize: 400, chunkOverlap: 40, maxDocumentChars: 100000, structurer: structurer({ concurrency: 1 }) });
    server.setReply(() => ({ status: 400, error: 'prompt longer than the context window' }));
    const docs = ['a', 'b', 'c', 'd'].map((id) => ({ id, text: `${ARTICLE}\n\nDocument ${id}.` }));
    const r = await one.ingest(docs);
    expect(r.documents).toBe(4);
    expect(r.structure).toMatchObject({ llm: 0, fallbacks: 4, degraded: { reason: 'llm error', message: expect.stringMatching(/context window/) } });
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('keeps a share of the request\'s time from a hung model, and stores the batch with the rules\' trees in time', async () => {
    server.setReply(() => ({ text: GOOD_REPLY, delayMs: 5000 }));
    const started = Date.now();
    const r = await ingestor.ingest([{ id: 'marrowby', text: ARTICLE }], new RunContext({ timeoutMs: 1500 }));
    // The deadline holds: the model is given up on at 80 % of it, and the rules' tree is stored before the end.
    expect(Date.now() - started).toBeLessThan(1500);
    expect(r.documents).toBe(1);
    expect(r.structure?.degraded).toMatchObject({ stage: 'structure', reason: 'llm timeout', fallback: 'rules' });
    expect(store.getDocument('marrowby')).toBeDefined();
  });

  it('stores nothing when the request itself is aborted while the model is asked', async () => {
    await ingestor.ingest([{ id: 'kept', text: 'One line only.' }]);
    const before = store.counts();
    server.setReply(() => ({ text: GOOD_REPLY, delayMs: 2000 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(ingestor.ingest([{ id: 'marrowby', text: ARTICLE }], new RunContext({ signal: controller.signal }))).rejects.toThrow();
    expect(store.counts()).toEqual(before);
  });
});
