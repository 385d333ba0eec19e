import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/config.js';
import { RunContext } from '../../../src/core/run-context.js';
import type { DocumentInput } from '../../../src/core/types.js';
import { TextMemo } from '../../../src/core/text-memo.js';
import { ExtractiveReader } from '../../../src/models/extractive-reader.js';
import { PipelineRegistry } from '../../../src/pipelines/pipeline-registry.js';
import { LexicalReranker } from '../../../src/rerankers/lexical-reranker.js';
import { IntentRetriever } from '../../../src/retrievers/intent-retriever.js';
import { Rag, type QueryEvent } from '../../../src/rag.js';
import { answerCall, H, messagesOf, passageIdOf, tok, toolCall, toolRepliesOf } from '../../helpers/agent-script.js';
import { ragErrorOf } from '../../helpers/errors.js';
import { httpTestConfig } from '../../helpers/http-fixture.js';
import { OpenAiTestServer, type RecordedRequest } from '../../helpers/openai-test-server.js';

/** The agentic pipeline's tool loop against a scripted OpenAI-compatible server, through the library API. */

const DOCS: DocumentInput[] = [
  { id: 'france', title: 'France', text: 'France is a country in Western Europe. Its capital is Paris, a city on the river Seine.' },
  { id: 'eiffel', title: 'Eiffel Tower', text: 'The Eiffel Tower in Paris was completed in 1889 for the World Fair. Gustave Eiffel built it.' },
  { id: 'lyon', title: 'Lyon', text: 'Lyon is a large city of France, known for its cuisine and its silk weaving.' },
  {
    id: 'guide',
    title: 'Visitor guide',
    format: 'markdown',
    text: [
      '# Visitor guide',
      '## Transport',
      'The metro has sixteen lines. Buses run all night on the main routes. Bicycles can be hired at many stations across the town, and river shuttles stop at the bridges.',
      '## Museums',
      'The Louvre is the most visited museum in the world; it holds the Mona Lisa. The Orsay museum shows impressionist paintings in a former railway station.',
      '## Markets',
      'Street markets sell cheese, bread and flowers on most mornings; the largest open on weekends near the old halls.',
    ].join('\n\n'),
  },
];

const QUESTION = 'What is the capital of France?';

let llm: OpenAiTestServer;
let rag: Rag;

beforeAll(async () => {
  llm = await OpenAiTestServer.start();
  rag = new Rag(
    httpTestConfig({
      cache: { enabled: false },
      // The refiner's own LLM calls (query analysis, section selection) would take the agent's scripted replies.
      refiner: { queryAnalysis: 'rules', globalSelection: 'titles' },
      llm: { baseUrl: llm.baseUrl, model: 'test-model', topLogprobs: 2, maxRetries: 0, timeoutMs: 5000 },
      pipelines: {
        agent: { kind: 'agentic', maxSteps: 4, maxMalformed: 3 },
        'agent-long': { kind: 'agentic', maxSteps: 8, maxMalformed: 3 },
        'agent-refined': { kind: 'agentic', refiner: 'hierarchical', readTokens: 40 },
        'agent-llm-fallback': { kind: 'agentic', maxSteps: 2, generator: 'llm' },
      },
    }),
  );
  await rag.ingest(DOCS);
});
afterAll(async () => {
  await rag.close();
  await llm.close();
});
beforeEach(() => llm.reset());

const ask = (pipeline = 'agent', ctx?: RunContext) => rag.query({ query: QUESTION, pipeline }, ctx);
const requests = (): RecordedRequest[] => llm.requests.filter((r) => r.path === '/v1/chat/completions');

describe('AgenticPipeline', () => {
  it('searches, reads and answers with citations; the entropy comes from the answer tokens log-probabilities', async () => {
    llm.enqueue(
      toolCall('search', { query: 'capital of France' }),
      (req) => toolCall('read', { id: passageIdOf(req, 'france') }),
      (req) => answerCall([tok('Par', 0.8, [0.8, 0.2]), tok('is', 0.9, [0.9, 0.1])], [passageIdOf(req, 'france') ?? '?']),
    );
    const r = await ask();

    expect(r.answer).toBe('Paris');
    expect(r.abstained).toBe(false);
    expect(r.citations).toHaveLength(1);
    expect(r.citations[0]?.docId).toBe('france');
    expect(r.passages[(r.citations[0]?.n ?? 0) - 1]?.docId).toBe('france');
    // By hand: the two answer tokens only, not the JSON around them.
    expect(r.confidence).toBeCloseTo(Math.sqrt(0.8 * 0.9), 5);
    expect(r.entropy).toBeCloseTo((H([0.8, 0.2]) + H([0.9, 0.1])) / 2, 5);
    expect(r.normalizedEntropy).toBeCloseTo((H([0.8, 0.2]) + H([0.9, 0.1])) / 2 / Math.log(2), 5);
    expect(r.agent).toMatchObject({ stopReason: 'answered', llmCalls: 3, malformedCalls: 0, entropySource: 'answer-tokens' });
    expect(r.agent?.fallback).toBeUndefined();
    expect(r.agent?.steps.map((s) => [s.step, s.tool, s.ok])).toEqual([
      [1, 'search', true],
      [2, 'read', true],
      [3, 'answer', true],
    ]);
    expect(r.agent?.steps[0]?.args).toEqual({ query: 'capital of France' });
    expect(r.agent?.steps[0]?.passages).toBeGreaterThanOrEqual(2);
    for (const s of r.agent?.steps ?? []) expect(s.ms).toBeGreaterThanOrEqual(0);

    // The model got the tools, and each call's result as a tool message answering that call.
    const sent = requests();
    expect(sent).toHaveLength(3);
    const tools = sent[0]?.body?.tools as Array<{ function: { name: string; parameters: { required: string[] } } }>;
    expect(tools.map((t) => t.function.name)).toEqual(['search', 'read', 'answer']);
    expect(tools[0]?.function.parameters.required).toEqual(['query']);
    expect(sent[0]?.body).toMatchObject({ logprobs: true, top_logprobs: 2 });
    expect(messagesOf(sent[0] as RecordedRequest).at(-1)?.content).toBe(`Question: ${QUESTION}`);
    const second = messagesOf(sent[1] as RecordedRequest);
    const callId = second.find((m) => m.role === 'assistant')?.tool_calls?.[0]?.id;
    expect(second.at(-1)).toMatchObject({ role: 'tool', tool_call_id: callId });
    expect(second.at(-1)?.content).toContain('Its capital is Paris');
    const read = toolRepliesOf(sent[2] as RecordedRequest).at(-1)?.content ?? '';
    expect(read).toMatch(/^Document france/);
    expect(read).toContain('(document: france)');

    // Every LLM step and tool call is a span.
    const names = r.trace.spans.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['agent.step.1', 'agent.step.2', 'agent.step.3', 'agent.tool.search', 'agent.tool.read', 'agent.tool.answer', 'pipeline.agent']));
    expect(names.filter((n) => n === 'llm.chat')).toHaveLength(3);
    expect(r.trace.spans.find((s) => s.name === 'agent.tool.search')?.attrs).toMatchObject({ step: 1, ok: true });
  });

  it('refuses a blank answer as a malformed call (it was taken for an answer: empty, not abstained)', async () => {
    llm.enqueue(toolCall('search', { query: 'capital of France' }), toolCall('answer', { answer: '   ', citations: [] }), (req) =>
      answerCall([tok('Paris', 0.9, [0.9, 0.1])], [passageIdOf(req, 'france') ?? '?']),
    );
    const r = await ask('agent-long');
    expect(r.answer).toBe('Paris');
    expect(r.agent?.steps.map((s) => [s.tool, s.ok])).toEqual([
      ['search', true],
      ['answer', false],
      ['answer', true],
    ]);
    expect(r.agent?.steps[1]?.error).toMatch(/^invalid arguments for answer: answer: /);
  });

  it('answers a malformed call (bad JSON, unknown tool, missing argument, unknown id) with a tool message, and recovers', async () => {
    llm.enqueue(
      toolCall('search', '{"query": "capital'),
      toolCall('lookup', { query: 'capital' }),
      toolCall('search', { query: 'capital of France' }),
      toolCall('read', {}),
      answerCall([tok('Paris', 0.9, [0.9, 0.1])], ['p42']),
      (req) => answerCall([tok('Paris', 0.9, [0.9, 0.1])], [passageIdOf(req, 'france') ?? '?']),
    );
    const r = await ask('agent-long');
    // Four malformed calls, never three in a row: the model corrected itself each time and answered.
    expect(r.answer).toBe('Paris');
    expect(r.citations[0]?.docId).toBe('france');
    expect(r.agent).toMatchObject({ stopReason: 'answered', malformedCalls: 4, llmCalls: 6 });
    expect(r.agent?.steps.map((s) => [s.tool, s.ok])).toEqual([
      ['search', false],
      ['lookup', false],
      ['search', true],
      ['read', false],
      ['answer', false],
      ['answer', true],
    ]);
    // The pipeline told the model what was wrong, as the replies to its calls.
    expect(toolRepliesOf(requests()[2] as RecordedRequest).map((m) => m.content)).toEqual([
      expect.stringMatching(/^Error: the arguments are not valid JSON .*\{"query": "\.\.\."\}$/),
      'Error: there is no tool "lookup"; the tools are search, read and answer',
    ]);
    expect(r.agent?.steps[0]?.args).toBe('{"query": "capital');
    expect(r.agent?.steps[3]?.error).toBe('invalid arguments for read: id: Expected required property; expected {"id": "p3"} or {"id": "p3", "focus": "..."}');
    expect(r.agent?.steps[4]?.error).toMatch(/^citations name p42, which no search or read returned/);
    expect(r.trace.spans.map((s) => s.name)).toContain('agent.tool.invalid');
  });

  it('a citation before any search is told to search first, not given an empty range of ids', async () => {
    llm.enqueue(answerCall([tok('Paris', 0.9, [0.9, 0.1])], ['p1']), toolCall('search', { query: 'capital of France' }), (req) =>
      answerCall([tok('Paris', 0.9, [0.9, 0.1])], [passageIdOf(req, 'france') ?? '?']),
    );
    const r = await ask('agent');
    expect(r.answer).toBe('Paris');
    // Before: "cite ids from the results (p1 to p0)".
    expect(r.agent?.steps[0]?.error).toBe('citations name p1, which no search or read returned; search first, then cite ids from its results');
  });

  it('reads a document by its id, refined by the configured refiner to readTokens around the focus', async () => {
    llm.enqueue(toolCall('read', { id: 'guide', focus: 'Louvre museum' }), answerCall([tok('the Louvre', 0.9, [0.9, 0.1])], ['p1']));
    const r = await ask('agent-refined');
    const read = toolRepliesOf(requests()[1] as RecordedRequest)[0]?.content ?? '';
    expect(read).toContain('Mona Lisa');
    expect(read).not.toContain('metro');
    expect(r.passages.reduce((sum, p) => sum + p.tokens, 0)).toBeLessThanOrEqual(40);
    expect(r.citations[0]?.docId).toBe('guide');
    expect(r.citations[0]?.headingPath).toEqual(['Museums']);
    expect(r.trace.spans.find((s) => s.name === 'refine.hierarchical')?.attrs).toMatchObject({ documents: 1, budget: 40 });
    expect(r.agent?.steps[0]).toMatchObject({ tool: 'read', ok: true, passages: r.passages.length });
  });

  it('refuses to read a document it cannot find, and says which ids it knows', async () => {
    llm.enqueue(toolCall('read', { id: 'atlantis' }), answerCall([tok('unknown', 0.9, [0.9, 0.1])], []));
    const r = await ask();
    expect(r.agent?.steps[0]).toMatchObject({ tool: 'read', ok: false });
    expect(toolRepliesOf(requests()[1] as RecordedRequest)[0]?.content).toMatch(/^Error: no document "atlantis" with anything about /);
    expect(r.agent?.malformedCalls).toBe(1);
  });

  it('a model that never stops calling tools: the step limit holds, and the extractive reader answers from the evidence', async () => {
    llm.setReply(() => toolCall('search', { query: 'capital of France Paris' }));
    try {
      const r = await ask();
      expect(requests()).toHaveLength(4);
      expect(r.agent).toMatchObject({ stopReason: 'step-limit', llmCalls: 4, malformedCalls: 0, entropySource: 'reader', fallback: 'extractive' });
      expect(r.agent?.steps).toHaveLength(4);
      expect(r.abstained).toBe(false);
      expect(r.answer).toContain('Paris');
      expect(r.citations.length).toBeGreaterThan(0);
      // Before its last turn the model was told to answer.
      expect(messagesOf(requests()[3] as RecordedRequest).at(-1)).toEqual({ role: 'user', content: 'This is your last turn: call answer now with what you have found.' });
      expect(r.trace.spans.find((s) => s.name === 'agent.fallback')?.attrs).toMatchObject({ reason: 'step-limit', reader: 'extractive' });
    } finally {
      llm.setReply(undefined);
    }
  });

  it('stops after maxMalformed malformed calls in a row, and answers from the question own retrieval when nothing was found', async () => {
    llm.setReply(() => toolCall('search', 'not json'));
    try {
      const r = await ask();
      expect(requests()).toHaveLength(3);
      expect(r.agent).toMatchObject({ stopReason: 'malformed-calls', llmCalls: 3, malformedCalls: 3, fallback: 'extractive' });
      expect(r.answer).toContain('Paris');
      expect(r.trace.spans.map((s) => s.name)).toContain('retrieve.bm25');
    } finally {
      llm.setReply(undefined);
    }
  });

  it('without log-probabilities for the answer, the entropy is flagged unknown (most uncertain) and the answer stands', async () => {
    llm.enqueue(toolCall('search', { query: 'capital of France' }), (req) => ({ ...answerCall([tok('Paris', 0.9)], [passageIdOf(req, 'france') ?? '?']), omitLogprobs: true }));
    const r = await ask();
    expect(r.answer).toBe('Paris');
    expect(r.abstained).toBe(false);
    expect(r.agent?.entropySource).toBe('unknown');
    expect(r.normalizedEntropy).toBe(1);
    expect(r.confidence).toBe(0.5);
  });

  it('takes a plain-text reply as the answer, its entropy from the final answer tokens', async () => {
    llm.enqueue(toolCall('search', { query: 'capital of France' }), (req) => ({
      tokens: [tok(`It is Paris [${passageIdOf(req, 'france') ?? '?'}].`, 0.5, [0.5, 0.5]), tok('\nAnswer:', 0.99), tok(' Paris', 0.8, [0.8, 0.2])],
    }));
    const r = await ask();
    expect(r.answer).toBe('Paris');
    expect(r.agent).toMatchObject({ stopReason: 'answered', entropySource: 'answer-tokens' });
    expect(r.citations[0]?.docId).toBe('france');
    expect(r.confidence).toBeCloseTo(0.8, 5);
  });

  it('with generator llm, the LLM without tools answers when the loop stops', async () => {
    llm.enqueue(toolCall('search', { query: 'capital of France' }), toolCall('search', { query: 'Paris' }), { tokens: [tok('Answer: Paris', 0.9, [0.9, 0.1])] });
    const r = await ask('agent-llm-fallback');
    expect(requests().map((q) => q.body?.tools !== undefined)).toEqual([true, true, false]);
    expect(r.agent).toMatchObject({ stopReason: 'step-limit', fallback: 'llm', entropySource: 'reader' });
    expect(r.answer).toBe('Paris');
  });

  it('shares the question retrieval with the other pipelines of the request (memo)', async () => {
    llm.enqueue(toolCall('search', { query: QUESTION }), (req) => answerCall([tok('Paris', 0.9, [0.9, 0.1])], [passageIdOf(req, 'france') ?? '?']));
    const ctx = new RunContext();
    const plan = { original: QUESTION, corrected: QUESTION, corrections: [], subQueries: [] };
    await rag.pipelines.get('default').run(plan, {}, ctx);
    const hits = ctx.memo.hits;
    await rag.pipelines.get('agent').run(plan, {}, ctx);
    expect(ctx.memo.hits).toBe(hits + 2);
    expect(ctx.trace.spans.filter((s) => s.name === 'retrieve.bm25')).toHaveLength(1);
  });

  it('streams the final answer events like the other pipelines', async () => {
    llm.enqueue(toolCall('search', { query: 'capital of France' }), (req) => answerCall([tok('Paris', 0.9, [0.9, 0.1])], [passageIdOf(req, 'france') ?? '?']));
    const events: QueryEvent[] = [];
    for await (const e of rag.stream({ query: QUESTION, pipeline: 'agent' })) events.push(e);
    expect(events.map((e) => e.event)).toEqual(['plan', 'sources', 'token', 'candidate', 'answer', 'done']);
    const answer = events.find((e) => e.event === 'answer');
    expect(answer?.event === 'answer' && answer.data.agent?.stopReason).toBe('answered');
    expect(events.find((e) => e.event === 'token')?.data).toEqual({ text: 'Paris' });
  });
});

describe('agentic configuration', () => {
  it('without an llm section is a CONFIG error at start that says it needs an LLM', () => {
    const err = ragErrorOf(() => validateConfig({ pipelines: { default: { kind: 'sequential' }, planner: { kind: 'agentic' } } }));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toBe(
      'invalid configuration:\n  pipelines.planner.kind: "agentic" needs an LLM, which plans with tool calls: add an llm section (at least llm.baseUrl and llm.model)',
    );
  });

  it('the registry refuses it without the LLM too (a configuration built without validation)', () => {
    const config = validateConfig({ llm: { baseUrl: 'http://127.0.0.1:1/v1', model: 'm' }, pipelines: { default: { kind: 'agentic' } } });
    const memo = new TextMemo();
    const components = {
      intents: new Map([['bm25' as const, new IntentRetriever(rag.retriever, { fusion: 'rrf', subQueryDepth: 2 })]]),
      rerankers: new Map([['lexical', new LexicalReranker(memo)]]),
      readers: new Map([['extractive', new ExtractiveReader(memo)]]),
      memo,
    };
    const err = ragErrorOf(() => new PipelineRegistry(config.pipelines, 'default', components));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('pipelines.default.kind: "agentic" needs an LLM');
  });

  it('checks its settings', () => {
    expect(ragErrorOf(() => validateConfig({ llm: { baseUrl: 'http://x/v1', model: 'm' }, pipelines: { default: { kind: 'agentic', maxSteps: 0 } } })).message).toContain(
      'pipelines.default.maxSteps',
    );
  });
});
