import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DocumentInput } from '../../src/core/types.js';
import type { QueryResponse } from '../../src/rag.js';
import { answerCall, passageIdOf, tok, toolCall } from '../helpers/agent-script.js';
import { ragErrorOfAsync } from '../helpers/errors.js';
import { ingestDocs, okBody, postJson, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { OpenAiTestServer } from '../helpers/openai-test-server.js';

/** POST /v1/query through the agentic pipeline, its LLM played by the OpenAI-compatible test server. */

const CORPUS: DocumentInput[] = [
  { id: 'kiln', title: 'Kilns', text: 'A pottery kiln fires clay at about 1200 degrees Celsius to harden it.' },
  { id: 'glaze', title: 'Glazes', text: 'A glaze is a glassy coat fused to pottery in a second firing.' },
  { id: 'wheel', title: 'Potter wheel', text: 'The potter wheel shapes round ware; it was used in Mesopotamia by 3500 BC.' },
];

describe('POST /v1/query with an agentic pipeline', () => {
  let llm: OpenAiTestServer;
  let fx: HttpFixture;

  beforeAll(async () => {
    llm = await OpenAiTestServer.start();
    fx = await startHttpFixture({
      cache: { enabled: false },
      llm: { baseUrl: llm.baseUrl, model: 'test-model', topLogprobs: 2, maxRetries: 0, timeoutMs: 5000 },
      pipelines: { agent: { kind: 'agentic', maxSteps: 3 } },
    });
    await ingestDocs(fx.app, CORPUS);
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
  });
  beforeEach(() => llm.reset());

  it('answers through the tool loop, with citations, the steps (tool, args, ms) and a span per step', async () => {
    llm.enqueue(
      toolCall('search', { query: 'kiln temperature' }),
      (req) => toolCall('read', { id: passageIdOf(req, 'kiln') }),
      (req) => answerCall([tok('about 1200', 0.7, [0.7, 0.3]), tok(' degrees Celsius', 0.9, [0.9, 0.1])], [passageIdOf(req, 'kiln') ?? '?']),
    );
    const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'How hot does a kiln fire clay?', pipeline: 'agent' }));
    expect(body.pipeline).toBe('agent');
    expect(body.answer).toBe('about 1200 degrees Celsius');
    expect(body.citations.map((c) => c.docId)).toEqual(['kiln']);
    expect(body.confidence).toBeCloseTo(Math.sqrt(0.7 * 0.9), 5);
    expect(body.agent?.stopReason).toBe('answered');
    expect(body.agent?.entropySource).toBe('answer-tokens');
    expect(body.agent?.steps.map((s) => ({ tool: s.tool, args: s.args, ok: s.ok }))).toEqual([
      { tool: 'search', args: { query: 'kiln temperature' }, ok: true },
      { tool: 'read', args: { id: 'p1' }, ok: true },
      { tool: 'answer', args: { answer: 'about 1200 degrees Celsius', citations: ['p1'] }, ok: true },
    ]);
    for (const s of body.agent?.steps ?? []) expect(typeof s.ms).toBe('number');
    const names = body.trace.spans.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['agent.step.1', 'agent.step.2', 'agent.step.3', 'agent.tool.search', 'agent.tool.read', 'agent.tool.answer']));
  });

  it('a model that keeps calling tools: the answer comes from the extractive reader, flagged step-limit', async () => {
    llm.setReply(() => toolCall('search', { query: 'kiln clay' }));
    try {
      const body = okBody<QueryResponse>(await postJson(fx.app, '/v1/query', { query: 'How hot does a kiln fire clay?', pipeline: 'agent' }));
      expect(llm.chatRequests()).toHaveLength(3);
      expect(body.agent).toMatchObject({ stopReason: 'step-limit', fallback: 'extractive', entropySource: 'reader', llmCalls: 3 });
      expect(body.answer).toContain('1200 degrees');
    } finally {
      llm.setReply(undefined);
    }
  });

  it('will not start without an llm section', async () => {
    const err = await ragErrorOfAsync(() => startHttpFixture({ pipelines: { agent: { kind: 'agentic' } } }));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('pipelines.agent.kind: "agentic" needs an LLM');
  });
});
