import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

const KEY = 'chat-test-key-0123456789';
const DOCS = [
  { id: 'tower', title: 'Eiffel Tower', text: 'The Eiffel Tower was designed by the engineering company of Gustave Eiffel. The tower is 330 metres tall.' },
  { id: 'bridge', title: 'Golden Gate', text: 'The Golden Gate Bridge opened in 1937 and spans the strait at the entrance of San Francisco Bay.' },
  // A source with its own footnote reference, as encyclopedia text has.
  { id: 'quokka', title: 'Quokka', text: 'The quokka is a small marsupial. The quokka lives mainly on Rottnest Island [2], off the coast of Western Australia.' },
];

interface WithCitations {
  citations?: Array<{ n: number; docId: string }>;
}

describe('OpenAI-compatible chat, driven by the official openai client', () => {
  let fx: HttpFixture;
  let client: OpenAI;

  beforeAll(async () => {
    fx = await startHttpFixture({ auth: { apiKeys: [{ name: 'chat', key: KEY }] }, ensembles: { pair: { members: ['default', 'bm25-only'] } } });
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
      error: expect.objectContaining({ message: expect.stringMatching(/unknown model "nope": a model is a configured pipeline \(.*default.*\) or ensemble \(pair\)/), param: 'model' }),
    });
    const wordless = client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: '???' }], stream: true });
    // Named by the field the client sent, not the "query" chat has not (streamed and not).
    const named = { message: 'messages.0.content: the question has no words to search for (letters or digits)', param: 'messages.0.content' };
    await expect(wordless).rejects.toMatchObject({ status: 400, code: 'BAD_REQUEST', error: expect.objectContaining(named) });
    const whole = client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: '???' }] });
    await expect(whole).rejects.toMatchObject({ status: 400, error: expect.objectContaining(named) });
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
      // The field at fault is OpenAI's `param`, for validation errors too (before: null).
      param: 'n',
      error: expect.objectContaining({ message: expect.stringMatching(/^n: /) }),
    });
  });

  it('takes null for stream, stream_options and n as absent, as OpenAI and vLLM do', async () => {
    // Before: 400 "stream: must be boolean"; proxies forward unset fields as null.
    const reply = await fetch(`${client.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${client.apiKey}` },
      body: JSON.stringify({ model: 'default', stream: null, stream_options: null, n: null, messages: [{ role: 'user', content: 'When did the Golden Gate Bridge open?' }] }),
    });
    expect(reply.status).toBe(200);
    expect(((await reply.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toMatch(/1937/);
  });

  it('reports an unknown model and a wrong key as the OpenAI client expects', async () => {
    await expect(client.chat.completions.create({ model: 'gpt-nope', messages: [{ role: 'user', content: 'hi there' }] })).rejects.toMatchObject({
      status: 400,
    });
    const stranger = new OpenAI({ baseURL: client.baseURL, apiKey: 'wrong-key-0123456789', maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toMatchObject({ status: 401 });
  });

  it('answers with an ensemble named as the model, as GET /v1/models lists it', async () => {
    // Before, the ensemble was listed as a model but chat refused it as an unknown pipeline.
    expect((await client.models.retrieve('pair')) as unknown).toMatchObject({ id: 'pair', kind: 'ensemble' });
    const completion = await client.chat.completions.create({ model: 'pair', messages: [{ role: 'user', content: 'When did the Golden Gate Bridge open?' }] });
    expect(completion.model).toBe('pair');
    expect(completion.choices[0]?.message.content).toMatch(/1937/);
    const stream = await client.chat.completions.create({ model: 'pair', stream: true, messages: [{ role: 'user', content: 'When did the Golden Gate Bridge open?' }] });
    let text = '';
    for await (const chunk of stream) {
      expect(chunk.model).toBe('pair');
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe(completion.choices[0]?.message.content);
  });

  it("refuses, naming the field, what asks for another kind of reply than text; sampling settings are ignored", async () => {
    const ask = { model: 'default', messages: [{ role: 'user' as const, content: 'When did the Golden Gate Bridge open?' }] };
    const tool = { type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: {} } } };
    const refused: Array<[Record<string, unknown>, string]> = [
      [{ tools: [tool], tool_choice: 'required' }, 'tools'],
      [{ tool_choice: { type: 'function', function: { name: 'lookup' } } }, 'tool_choice'],
      [{ functions: [{ name: 'lookup', parameters: {} }] }, 'functions'],
      [{ response_format: { type: 'json_object' } }, 'response_format'],
      [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } }, 'response_format'],
      [{ logprobs: true, top_logprobs: 3 }, 'logprobs'],
    ];
    for (const [extra, param] of refused) {
      await expect(client.chat.completions.create({ ...ask, ...extra } as never), param).rejects.toMatchObject({
        status: 400,
        code: 'BAD_REQUEST',
        param,
        error: expect.objectContaining({ message: expect.stringMatching(new RegExp(`^${param}: .*not`)) }),
      });
    }
    const fine = await client.chat.completions.create({ ...ask, temperature: 0.2, max_tokens: 50, stop: ['\n\n'], seed: 1, tools: [], response_format: { type: 'text' }, logprobs: false });
    expect(fine.choices[0]?.message.content).toMatch(/1937/);
  });

  it('refuses a last question over the limit before any work, and takes the topic from the latest turns only', async () => {
    const post = (messages: Array<{ role: string; content: string }>) =>
      fx.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${KEY}` }, payload: { model: 'default', messages } });
    const long = await post([{ role: 'user', content: `what is it? ${'Xy ('.repeat(2000)}` }]);
    expect(long.statusCode).toBe(400);
    expect(long.json()).toMatchObject({ code: 'BAD_REQUEST', message: 'messages: the question is longer than 4096 characters' });
    // 190 long turns, then the Eiffel Tower, then a follow-up: only the latest turns give the topic.
    const old = Array.from({ length: 190 }, () => ({ role: 'user', content: `Xy (${'noise words '.repeat(400)}` }));
    const res = await post([...old, { role: 'user', content: 'Tell me about the Eiffel Tower.' }, { role: 'user', content: 'How tall is it?' }]);
    expect(res.statusCode).toBe(200);
    expect(res.json<{ question: string }>().question).toBe('How tall is it? (Eiffel Tower)');
  });

  it('reads a question within the limit whole, however many UTF-16 units its characters take', async () => {
    // 3,000 emoji and a question: 3,022 characters, under the 4,096 limit, but 6,022 UTF-16 units. Before, the question
    // was cut after 4,096 units, keeping only emoji: 400 "query has no words".
    const content = `${'\u{1F600}'.repeat(3000)} When did the Golden Gate Bridge open?`;
    const res = await fx.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${KEY}` },
      payload: { model: 'default', messages: [{ role: 'user', content }] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ question: string }>().question).toBe(content);
    expect(res.json<{ choices: Array<{ message: { content: string } }> }>().choices[0]?.message.content).toMatch(/1937/);
  });

  it('answers a follow-up within the limit that its topic would push over it as asked, rather than refuse it', async () => {
    // Before: 400 "the question is longer than 4096 characters" for a question of 4,095 characters, the topic that the
    // server adds after it being what went over.
    const followUp = `${'is it really so? '.repeat(240)}How tall is it?`;
    expect([...followUp].length).toBeLessThanOrEqual(4096);
    const res = await fx.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${KEY}` },
      payload: { model: 'default', messages: [{ role: 'user', content: 'Who designed the Eiffel Tower?' }, { role: 'assistant', content: 'Gustave Eiffel.' }, { role: 'user', content: followUp }] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ question: string }>().question).toBe(followUp);
  });

  it('lists the roles a message may have when it has another', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${KEY}` },
      payload: { model: 'default', messages: [{ role: 'function', content: 'x' }] },
    });
    // Before: "messages.0.role: must be equal to constant".
    expect(res.json()).toMatchObject({ code: 'VALIDATION', message: 'messages.0.role: must be one of "system", "developer", "user", "assistant", "tool"' });
    expect(res.json()).toMatchObject({ error: { param: 'messages.0.role' } });
    const missing = await fx.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${KEY}` }, payload: { messages: [] } });
    expect(missing.json()).toMatchObject({ message: 'model: is required', error: { param: 'model' } });
  });

  it('refuses a blank last user message rather than answer the question before it again', async () => {
    for (const content of ['   ', null]) {
      const res = await fx.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { authorization: `Bearer ${KEY}` },
        payload: { model: 'default', messages: [{ role: 'user', content: 'Who designed the Eiffel Tower?' }, { role: 'assistant', content: 'Gustave Eiffel.' }, { role: 'user', content }] },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ message: 'messages.2.content: the last user message has no text to answer', error: { param: 'messages.2.content' } });
    }
  });

  it('names a non-text content part it cannot read', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${KEY}` },
      payload: { model: 'default', messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'https://example.org/a.png' } }] }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'BAD_REQUEST', message: 'messages.0.content.1: only text parts are supported (got type "image_url")' });
    // A text part without its text is named as such, not as a part of another type.
    const textless = await fx.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${KEY}` },
      payload: { model: 'default', messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'text' }] }] },
    });
    expect(textless.statusCode).toBe(400);
    expect(textless.json()).toMatchObject({ code: 'BAD_REQUEST', message: 'messages.0.content.1.text: is required, a string (a text part\'s text)' });
  });

  it("marks the answer's own citation, not a footnote number of its source", async () => {
    // Before, the source's "[2]" stood in the answer and no marker was added: the client linked it to passage 2.
    const completion = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Where does the quokka live?' }] });
    const content = completion.choices[0]?.message.content ?? '';
    const citations = (completion as unknown as WithCitations).citations ?? [];
    expect(content).toMatch(/Rottnest Island/);
    expect(content).not.toContain('[2]');
    expect(citations.map((c) => c.docId)).toEqual(['quokka']);
    expect(content).toMatch(new RegExp(`\\[${citations[0]?.n}\\]$`));
  });

  it('says which question it answered, with the topic a follow-up refers back to', async () => {
    const completion = await client.chat.completions.create({
      model: 'default',
      messages: [
        { role: 'user', content: 'Who designed the Eiffel Tower?' },
        { role: 'assistant', content: 'Gustave Eiffel.' },
        { role: 'user', content: 'How tall is it?' },
      ],
    });
    expect((completion as unknown as { question: string }).question).toBe('How tall is it? (Eiffel Tower)');
    expect(completion.choices[0]?.message.content).toMatch(/330 metres/);
  });

  it("answers an OpenAI route it does not have with a 404 the client can read", async () => {
    // Before, the client showed only '404 "Not Found"': the reason was outside the `error` object it reads.
    await expect(client.embeddings.create({ model: 'default', input: 'hello' })).rejects.toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      error: expect.objectContaining({ message: 'no route POST /v1/embeddings' }),
    });
    await expect(client.responses.create({ model: 'default', input: 'hello' })).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it("refuses a wrong key on an OpenAI route it does not have in OpenAI's shape, so the client shows the reason", async () => {
    // Before, the 401 was in the plain shape and the client showed only '401 "Unauthorized"'.
    const keyless = new OpenAI({ baseURL: client.baseURL, apiKey: 'wrong-key-0123456789', maxRetries: 0 });
    await expect(keyless.embeddings.create({ model: 'default', input: 'hello' })).rejects.toMatchObject({
      status: 401,
      code: 'UNAUTHORIZED',
      type: 'authentication_error',
      error: expect.objectContaining({ message: 'invalid API key' }),
    });
  });
});

describe('chat models when defaultPipeline names another pipeline than "default"', () => {
  let fx: HttpFixture;
  let client: OpenAI;

  beforeAll(async () => {
    fx = await startHttpFixture({ defaultPipeline: 'bm25-only' });
    await fx.rag.ingest(DOCS);
    const base = await fx.app.listen({ host: '127.0.0.1', port: 0 });
    client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(() => fx.close());

  it('answers model "default" with the pipeline of that name, as GET /v1/models lists it and /v1/query reads it', async () => {
    // Before, "default" meant defaultPipeline here (bm25-only), so the listed pipeline "default" could not be chatted with.
    expect((await client.models.list()).data.map((m) => m.id)).toContain('default');
    const chat = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'When did the Golden Gate Bridge open?' }] });
    expect(chat.model).toBe('default');
    const other = await client.chat.completions.create({ model: 'bm25-only', messages: [{ role: 'user', content: 'When did the Golden Gate Bridge open?' }] });
    expect(other.model).toBe('bm25-only');
  });
});
