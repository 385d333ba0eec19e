import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

const KEY = 'chat-test-key-0123456789';
const DOCS = [
  { id: 'tower', title: 'Eiffel Tower', text: 'The Eiffel Tower was designed by the engineering company of Gustave Eiffel. The tower is 330 metres tall.' },
  { id: 'bridge', title: 'Golden Gate', text: 'The Golden Gate Bridge opened in 1937 and spans the strait at the entrance of San Francisco Bay.' },
];

interface WithCitations {
  citations?: Array<{ n: number; docId: string }>;
}

describe('OpenAI-compatible chat, driven by the official openai client', () => {
  let fx: HttpFixture;
  let client: OpenAI;

  beforeAll(async () => {
    fx = await startHttpFixture({ auth: { apiKeys: [{ name: 'chat', key: KEY }] } });
    await fx.rag.ingest(DOCS);
    const base = await fx.app.listen({ host: '127.0.0.1', port: 0 });
    client = new OpenAI({ baseURL: `${base}/v1`, apiKey: KEY, maxRetries: 0 });
  });
  afterAll(() => fx.close());

  it('lists the pipelines as models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(expect.arrayContaining(['default', 'bm25-only']));
  });

  it('retrieves one model by id, and answers an unknown one with a 404 in OpenAI\'s error shape', async () => {
    expect(await client.models.retrieve('default')).toMatchObject({ id: 'default', object: 'model', kind: 'pipeline' });
    await expect(client.models.retrieve('nope')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND', type: 'invalid_request_error' });
  });

  it("gives OpenAI's clients the reason of an error, as error.message, error.type and error.code", async () => {
    // Before, the client saw only 'Bad Request': the reason was outside the `error` object it reads.
    const unknown = client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'How tall is it?' }] });
    await expect(unknown).rejects.toMatchObject({
      status: 400,
      code: 'UNKNOWN_PIPELINE',
      type: 'invalid_request_error',
      error: expect.objectContaining({ message: expect.stringMatching(/unknown pipeline "nope"/) }),
    });
    const wordless = client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: '???' }], stream: true });
    await expect(wordless).rejects.toMatchObject({ status: 400, code: 'BAD_REQUEST', error: expect.objectContaining({ message: expect.stringMatching(/no words/) }) });
    const keyless = new OpenAI({ baseURL: client.baseURL, apiKey: 'wrong-key-0123456789', maxRetries: 0 });
    await expect(keyless.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 401,
      type: 'authentication_error',
    });
  });

  it('answers with [n] markers in the text and a citations field', async () => {
    const completion = await client.chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'When did the Golden Gate Bridge open?' }],
    });
    const content = completion.choices[0]?.message.content ?? '';
    expect(content).toMatch(/1937/);
    expect(content).toMatch(/\[1\]/);
    const citations = (completion as unknown as WithCitations).citations ?? [];
    expect(citations[0]).toMatchObject({ n: 1, docId: 'bridge' });
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('turns the conversation into a standalone question', async () => {
    const completion = await client.chat.completions.create({
      model: 'default',
      messages: [
        { role: 'user', content: 'Tell me about the Eiffel Tower.' },
        { role: 'assistant', content: 'It is in Paris.' },
        { role: 'user', content: 'How tall is it?' },
      ],
    });
    expect(completion.choices[0]?.message.content).toMatch(/330 metres/);
  });

  it('streams deltas that add up to the same answer, citations on the last chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'default',
      stream: true,
      messages: [{ role: 'user', content: 'When did the Golden Gate Bridge open?' }],
    });
    let text = '';
    let finish: string | null | undefined;
    let citations: WithCitations['citations'];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      citations = (chunk as unknown as WithCitations).citations ?? citations;
    }
    expect(text).toMatch(/1937.*\[1\]/);
    expect(finish).toBe('stop');
    expect(citations?.[0]?.docId).toBe('bridge');
  });

  it('sends a last usage chunk when stream_options.include_usage asks, and refuses n above 1', async () => {
    const stream = await client.chat.completions.create({
      model: 'default',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'When did the Golden Gate Bridge open?' }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBeGreaterThan(0);
    expect(last?.usage?.total_tokens).toBe((last?.usage?.prompt_tokens ?? 0) + (last?.usage?.completion_tokens ?? 0));
    // A pipeline gives one answer: asking for two is a mistake said so, not one choice silently.
    await expect(client.chat.completions.create({ model: 'default', n: 2, messages: [{ role: 'user', content: 'hi there' }] })).rejects.toMatchObject({
      status: 400,
      code: 'VALIDATION',
      error: expect.objectContaining({ message: expect.stringMatching(/^n: /) }),
    });
  });

  it('reports an unknown model and a wrong key as the OpenAI client expects', async () => {
    await expect(client.chat.completions.create({ model: 'gpt-nope', messages: [{ role: 'user', content: 'hi there' }] })).rejects.toMatchObject({
      status: 400,
    });
    const stranger = new OpenAI({ baseURL: client.baseURL, apiKey: 'wrong-key-0123456789', maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toMatchObject({ status: 401 });
  });
});
