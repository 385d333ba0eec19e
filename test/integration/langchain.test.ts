import { RunnableLambda } from '@langchain/core/runnables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRagClient } from '../../src/client/http-rag-client.js';
import type { RagBackend } from '../../src/client/rag-backend.js';
import { RagAnswerRunnable } from '../../src/langchain/rag-answer-runnable.js';
import { RagAnswerTextRunnable } from '../../src/langchain/rag-answer-text-runnable.js';
import { RagRetriever } from '../../src/langchain/rag-retriever.js';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { OpenAiTestServer } from '../helpers/openai-test-server.js';

const KEY = 'langchain-test-key-0123456789';
const DOCS = [
  { id: 'bees', title: 'Bees', format: 'markdown' as const, text: '# Bees\n\n## Dances\n\nHoney bees dance to tell the hive where flowers are.' },
  { id: 'ants', title: 'Ants', text: 'Ants follow pheromone trails laid by other ants.' },
];

describe('LangChain.js adapters', () => {
  let fx: HttpFixture;
  let remote: HttpRagClient;

  beforeAll(async () => {
    fx = await startHttpFixture({ auth: { apiKeys: [{ name: 'lc', key: KEY }] }, ensembles: { pair: { members: ['default', 'bm25-only'] } } });
    await fx.rag.ingest(DOCS);
    const address = await fx.app.listen({ host: '127.0.0.1', port: 0 });
    remote = new HttpRagClient({ baseUrl: address, apiKey: KEY });
  });
  afterAll(() => fx.close());

  const backends = (): Array<[string, RagBackend]> => [
    ['in process', fx.rag],
    ['remote', remote],
  ];

  it.each(['in process', 'remote'])('retriever returns Documents with chunk ids, scores and headings (%s)', async (which) => {
    const backend = backends().find(([name]) => name === which)?.[1] as RagBackend;
    const retriever = new RagRetriever({ backend, k: 2 });
    const docs = await retriever.invoke('how do bees tell where flowers are?');
    expect(docs[0]?.pageContent).toMatch(/Honey bees dance/);
    expect(docs[0]?.metadata).toMatchObject({ docId: 'bees', chunkId: 'bees#0', headingPath: ['Dances'], source: 'bm25' });
    expect(typeof docs[0]?.metadata['score']).toBe('number');
    const filtered = await new RagRetriever({ backend, k: 2, filter: { docId: 'ants' } }).invoke('bees and ants');
    expect(filtered.map((d) => d.metadata['docId'])).toEqual(['ants']);
  });

  it.each(['in process', 'remote'])('runnable answers through a pipeline and composes (%s)', async (which) => {
    const backend = backends().find(([name]) => name === which)?.[1] as RagBackend;
    const runnable = new RagAnswerRunnable(backend, 'bm25-only');
    const answer = await runnable.invoke('what do ants follow?');
    expect(answer.pipeline).toBe('bm25-only');
    expect(answer.answer).toMatch(/pheromone/);
    expect(answer.citations[0]?.docId).toBe('ants');
    const chain = runnable.pipe(RunnableLambda.from((r: { answer: string }) => r.answer.toUpperCase()));
    expect(await chain.invoke({ question: 'what do ants follow?' })).toMatch(/PHEROMONE/);
    const batch = await runnable.batch(['what do ants follow?', 'why do bees dance?']);
    expect(batch).toHaveLength(2);
  });

  it.each(['in process', 'remote'])('runnables answer through an ensemble too, and say what input they take (%s)', async (which) => {
    const backend = backends().find(([name]) => name === which)?.[1] as RagBackend;
    // Before, a runnable could name a pipeline only: an ensemble's name was refused as "not a pipeline".
    const answer = await new RagAnswerRunnable(backend, { ensemble: 'pair' }).invoke('what do ants follow?');
    expect(answer.pipeline).toBe('pair');
    expect(answer.members?.map((m) => m.pipeline).sort()).toEqual(['bm25-only', 'default']);
    expect(await new RagAnswerTextRunnable(backend).invoke({ question: 'what do ants follow?', ensemble: 'pair' })).toMatch(/pheromone/);
    // The input's own choice wins over the runnable's.
    expect((await new RagAnswerRunnable(backend, { ensemble: 'pair' }).invoke({ question: 'what do ants follow?', pipeline: 'bm25-only' })).pipeline).toBe('bm25-only');
    // Before: the server's "query: is required", though the caller had passed a query.
    await expect(new RagAnswerRunnable(backend).invoke({ query: 'what do ants follow?' } as never)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('{ question, pipeline?, ensemble? }'),
    });
  });

  it('reports the server refusing a wrong key as an error with the reason', async () => {
    const bad = new RagRetriever({ backend: new HttpRagClient({ baseUrl: `http://127.0.0.1:${(fx.app.server.address() as { port: number }).port}`, apiKey: 'wrong-key-0123456789' }) });
    await expect(bad.invoke('bees')).rejects.toThrow(/401 UNAUTHORIZED: invalid API key/);
  });
});

describe('LangChain.js adapters: aborting a call', () => {
  let llm: OpenAiTestServer;
  let fx: HttpFixture;
  let remote: HttpRagClient;

  beforeAll(async () => {
    llm = await OpenAiTestServer.start({ reply: () => ({ text: 'Bees dance [1].', delayMs: 5000 }) });
    fx = await startHttpFixture({
      llm: { baseUrl: llm.baseUrl, model: 'test-model', maxRetries: 0, timeoutMs: 20_000, fallback: 'none' },
      pipelines: { llm: { kind: 'sequential', generator: 'llm' } },
      cache: { enabled: false },
    });
    await fx.rag.ingest(DOCS);
    remote = new HttpRagClient({ baseUrl: await fx.app.listen({ host: '127.0.0.1', port: 0 }) });
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
  });

  it.each(['in process', 'remote'])('stops the LLM call behind it, not only the wait for it (%s)', async (which) => {
    const backend: RagBackend = which === 'remote' ? remote : fx.rag;
    const controller = new AbortController();
    const answer = new RagAnswerRunnable(backend, 'llm').invoke('how do bees tell where flowers are?', { signal: controller.signal });
    await expect.poll(() => llm.inFlight).toBe(1);
    const started = Date.now();
    controller.abort();
    // A RagError, as a call to the backend itself gives (before, LangChain's DOMException).
    await expect(answer).rejects.toMatchObject({ name: 'RagError', code: 'ABORTED' });
    expect(Date.now() - started).toBeLessThan(1000);
    // The model's request is dropped too (before, it ran its full 5 s).
    await expect.poll(() => llm.inFlight, { timeout: 2000 }).toBe(0);
  });

  it.each(['in process', 'remote'])('a timeout in the call options stops the LLM call behind it too (%s)', async (which) => {
    const backend: RagBackend = which === 'remote' ? remote : fx.rag;
    for (const runnable of [new RagAnswerRunnable(backend, 'llm'), new RagAnswerTextRunnable(backend, 'llm')]) {
      const answer = runnable.invoke('how do bees tell where flowers are?', { timeout: 300 });
      await expect(answer).rejects.toMatchObject({ name: 'RagError', code: 'DEADLINE_EXCEEDED' });
      await expect.poll(() => llm.inFlight, { timeout: 2000 }).toBe(0);
    }
  });

  it.each(['in process', 'remote'])('a streamed answer stopped by a timeout or a signal throws the RagError invoke throws (%s)', async (which) => {
    const backend: RagBackend = which === 'remote' ? remote : fx.rag;
    for (const runnable of [new RagAnswerTextRunnable(backend, 'llm'), new RagAnswerRunnable(backend, 'llm')]) {
      const drain = async (options: { timeout?: number; signal?: AbortSignal }): Promise<void> => {
        for await (const piece of await runnable.stream('how do bees tell where flowers are?', options)) void piece;
      };
      // Before: LangChain's DOMException (TimeoutError, AbortError), not a RagError.
      await expect(drain({ timeout: 300 })).rejects.toMatchObject({ name: 'RagError', code: 'DEADLINE_EXCEEDED' });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      await expect(drain({ signal: controller.signal })).rejects.toMatchObject({ name: 'RagError', code: 'ABORTED' });
      await expect(drain({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'RagError', code: 'ABORTED' });
    }
    await expect.poll(() => llm.inFlight, { timeout: 2000 }).toBe(0);
  });
});
