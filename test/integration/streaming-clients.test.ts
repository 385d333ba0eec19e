import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRagClient } from '../../src/client/http-rag-client.js';
import type { RagBackend } from '../../src/client/rag-backend.js';
import { RagAnswerTextRunnable } from '../../src/langchain/rag-answer-text-runnable.js';
import { RagRetriever } from '../../src/langchain/rag-retriever.js';
import type { QueryEvent } from '../../src/rag.js';
import { ragErrorOfAsync } from '../helpers/errors.js';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { OpenAiTestServer, type ScriptedToken } from '../helpers/openai-test-server.js';

const tok = (token: string): ScriptedToken => ({ token, logprob: Math.log(0.9) });
const ANSWER = [tok('Kilns fire clay'), tok(' at about 1200 degrees'), tok(' [1].')];
const DOCS = [
  { id: 'kiln', title: 'Kilns', text: 'A pottery kiln fires clay at about 1200 degrees Celsius to harden it.' },
  { id: 'glaze', title: 'Glazes', text: 'A glaze is a glassy coat fused to the clay in a second firing.' },
];
const QUESTION = 'how hot does a kiln get?';

async function collect(events: AsyncIterable<QueryEvent>): Promise<QueryEvent[]> {
  const out: QueryEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** Streaming through the library API, the HTTP client and the LangChain text runnable, against one server. */
describe('streamed answers for embedding applications', () => {
  let llm: OpenAiTestServer;
  let fx: HttpFixture;
  let remote: HttpRagClient;
  const backend = (which: string): RagBackend => (which === 'remote' ? remote : fx.rag);

  beforeAll(async () => {
    llm = await OpenAiTestServer.start({ reply: () => ({ tokens: ANSWER }) });
    fx = await startHttpFixture({
      llm: { baseUrl: llm.baseUrl, model: 'test-model', maxRetries: 0, timeoutMs: 20_000, fallback: 'none' },
      pipelines: { llm: { kind: 'sequential', generator: 'llm' }, plain: { kind: 'sequential' } },
      ensembles: { pair: { members: ['plain', 'llm'] } },
      cache: { enabled: false },
    });
    await fx.rag.ingest(DOCS);
    remote = new HttpRagClient({ baseUrl: await fx.app.listen({ host: '127.0.0.1', port: 0 }) });
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
  });

  it.each(['in process', 'remote'])('streams plan, sources, the tokens as written, candidate, answer and done (%s)', async (which) => {
    const events = await collect(backend(which).stream({ query: QUESTION, pipeline: 'llm' }));
    const names = events.map((e) => e.event);
    expect(names).toEqual(['plan', 'sources', 'token', 'token', 'token', 'candidate', 'answer', 'done']);
    const tokens = events.flatMap((e) => (e.event === 'token' ? [e.data.text] : []));
    expect(tokens).toEqual(['Kilns fire clay', ' at about 1200 degrees', ' [1].']);
    const answer = events.find((e) => e.event === 'answer');
    expect(answer?.event === 'answer' && answer.data.answer).toBe(tokens.join(''));
    const sources = events[1];
    expect(sources?.event === 'sources' && sources.data.passages[0]?.docId).toBe('kiln');
  });

  it.each(['in process', 'remote'])("streams an ensemble's members and then its answer (%s)", async (which) => {
    const events = await collect(backend(which).stream({ query: QUESTION, ensemble: 'pair' }));
    const candidates = events.flatMap((e) => (e.event === 'candidate' ? [e.data.pipeline] : []));
    expect(candidates.sort()).toEqual(['llm', 'plain']);
    expect(events.at(-1)?.event).toBe('done');
  });

  it.each(['in process', 'remote'])('refuses a mistake before any event, with the reason (%s)', async (which) => {
    const unknown = await ragErrorOfAsync(() => collect(backend(which).stream({ query: QUESTION, pipeline: 'nope' })));
    expect(unknown).toMatchObject({ code: 'UNKNOWN_PIPELINE', message: expect.stringMatching(/nope/) });
    const wordless = await ragErrorOfAsync(() => collect(backend(which).stream({ query: '?!' })));
    expect(wordless).toMatchObject({ code: 'BAD_REQUEST' });
    // (The server's schema calls it VALIDATION, the library BAD_REQUEST: a 400 either way.)
    const badK = await ragErrorOfAsync(() => collect(backend(which).stream({ query: QUESTION, k: 0 })));
    expect(badK.statusCode).toBe(400);
  });

  it.each(['in process', 'remote'])('throws a failure after the stream opened as an error with its code (%s)', async (which) => {
    llm.setReply(() => ({ status: 400, error: 'the model refuses' }));
    try {
      const seen: string[] = [];
      const err = await ragErrorOfAsync(async () => {
        for await (const e of backend(which).stream({ query: QUESTION, pipeline: 'llm' })) seen.push(e.event);
      });
      expect(seen).toContain('plan');
      expect(err.code).toBe('UPSTREAM_ERROR');
      expect(err.message).toMatch(/the model refuses/);
      if (which === 'remote') expect(err.details).toMatchObject({ midStream: true });
    } finally {
      llm.setReply(() => ({ tokens: ANSWER }));
    }
  });

  it.each(['in process', 'remote'])('stops the work behind a stream when its signal aborts, or when the reader stops early (%s)', async (which) => {
    llm.setReply(() => ({ tokens: ANSWER, chunkDelayMs: 2000 }));
    try {
      const controller = new AbortController();
      const events: string[] = [];
      const aborted = ragErrorOfAsync(async () => {
        for await (const e of backend(which).stream({ query: QUESTION, pipeline: 'llm' }, { signal: controller.signal })) {
          events.push(e.event);
          if (e.event === 'token') controller.abort();
        }
      });
      expect((await aborted).code).toBe('ABORTED');
      expect(events.filter((e) => e === 'token')).toHaveLength(1);
      // The model's streamed reply is dropped too, not left to run its 4 s.
      await expect.poll(() => llm.inFlight, { timeout: 1500 }).toBe(0);

      // Stopping early: the model's next piece is 2 s away, and its call is dropped before.
      for await (const e of backend(which).stream({ query: QUESTION, pipeline: 'llm' })) if (e.event === 'token') break;
      await expect.poll(() => llm.inFlight, { timeout: 1500 }).toBe(0);
    } finally {
      llm.setReply(() => ({ tokens: ANSWER }));
    }
  });

  it.each(['in process', 'remote'])('gives LangChain the answer text piece by piece, the pieces joined being what invoke gives (%s)', async (which) => {
    const runnable = new RagAnswerTextRunnable(backend(which), 'llm');
    const pieces: string[] = [];
    for await (const piece of await runnable.stream(QUESTION)) pieces.push(piece);
    expect(pieces).toEqual(['Kilns fire clay', ' at about 1200 degrees', ' [1].']);
    expect(await runnable.invoke(QUESTION)).toBe(pieces.join(''));
    // streamEvents (what LangChain chat backends forward) sees the same pieces.
    const streamed: string[] = [];
    for await (const e of runnable.streamEvents({ question: QUESTION }, { version: 'v2' })) {
      if (e.event === 'on_chain_stream') streamed.push(String((e.data as { chunk: unknown }).chunk));
    }
    expect(streamed).toEqual(pieces);
    // A pipeline that writes its answer whole, and the input's own pipeline over the runnable's.
    const plain = await collectText(runnable, { question: 'what is a glaze?', pipeline: 'plain' });
    expect(plain.join('')).toBe(await runnable.invoke({ question: 'what is a glaze?', pipeline: 'plain' }));
    expect(plain.join('')).toMatch(/glassy coat/);
  });

  it.each(['in process', 'remote'])('hands the LangChain retriever the call signal (%s)', async (which) => {
    const retriever = new RagRetriever({ backend: backend(which), k: 2 });
    expect((await retriever.invoke('kiln')).length).toBeGreaterThan(0);
    const err = await ragErrorOfAsync(() => retriever.invoke('kiln', { signal: AbortSignal.abort() }));
    expect(err.code).toBe('ABORTED');
  });
});

async function collectText(runnable: RagAnswerTextRunnable, input: { question: string; pipeline: string }): Promise<string[]> {
  const out: string[] = [];
  for await (const piece of await runnable.stream(input)) out.push(piece);
  return out;
}
