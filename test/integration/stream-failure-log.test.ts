import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/app.js';
import { ingestDocs, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { POTTERY_DOCS, POTTERY_QUESTION, dropMidStream, llmPipeline } from '../helpers/hung-llm.js';
import { OpenAiTestServer } from '../helpers/openai-test-server.js';

/**
 * A failure after a stream opened answers 200 on the status line, so the server's log is where an operator learns of
 * it: a model server that drops its streams midway must leave a line under the request id, as a failed JSON answer does.
 */
describe('a stream that fails after it opened', () => {
  let llm: OpenAiTestServer;
  let fx: HttpFixture;
  const lines: Array<{ level: number; msg: string; reqId?: string; err?: { message?: string } }> = [];

  beforeAll(async () => {
    llm = await OpenAiTestServer.start({ reply: dropMidStream });
    const destination = { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) };
    fx = await startHttpFixture(llmPipeline(llm.baseUrl), {}, { loggerInstance: createLogger('info', destination) });
    await ingestDocs(fx.app, POTTERY_DOCS);
  });
  afterAll(async () => {
    await fx.close();
    await llm.close();
  });

  it('logs the failure as an error under the request id, on /v1/query and on chat completions', async () => {
    const query = await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: POTTERY_QUESTION, pipeline: 'llm', stream: true } });
    const chat = await fx.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: { model: 'llm', stream: true, messages: [{ role: 'user', content: POTTERY_QUESTION }] },
    });
    expect(query.body).toMatch(/event: error\ndata: \{"statusCode":503,"code":"UNAVAILABLE"/);
    expect(chat.body).toMatch(/data: \{"error":\{"message":"LLM server at .* dropped the stream midway/);
    for (const res of [query, chat]) {
      // Before, the log held only "request completed" with status 200.
      const failed = lines.filter((l) => l.reqId === res.headers['x-request-id'] && l.msg === 'stream failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]?.level).toBe(50);
      expect(failed[0]?.err?.message).toMatch(/dropped the stream midway/);
    }
  });
});
