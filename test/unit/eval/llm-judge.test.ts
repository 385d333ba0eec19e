import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlmJudge } from '../../../src/eval/llm-judge.js';
import { OpenAiChatClient } from '../../../src/models/openai-chat-client.js';
import { OpenAiTestServer } from '../../helpers/openai-test-server.js';

describe('LlmJudge (LiveRAG rubric)', () => {
  let server: OpenAiTestServer;
  let judge: LlmJudge;
  const item = { question: 'Who designed the tower?', answer: 'Gustave Eiffel [1]', reference: 'Gustave Eiffel', passages: ['The tower was designed by Gustave Eiffel.'] };

  beforeAll(async () => {
    server = await OpenAiTestServer.start();
    judge = new LlmJudge(new OpenAiChatClient({ baseUrl: server.baseUrl, model: 'judge', timeoutMs: 2000, maxRetries: 0, retryBaseMs: 1, retryMaxMs: 1, concurrency: 2 }));
  });
  afterAll(() => server.close());

  it('asks with the rubric, the reference and the passages, and reads the grade', async () => {
    server.setReply(() => ({ text: '{"correctness": 2, "faithfulness": 1}' }));
    expect(await judge.judge(item)).toEqual({ correctness: 2, faithfulness: 1 });
    const request = server.chatRequests().at(-1);
    const prompt = JSON.stringify(request?.messages);
    expect(prompt).toContain('Reference answer: Gustave Eiffel');
    expect(prompt).toContain('[1] The tower was designed by Gustave Eiffel.');
    expect(request?.response_format).toBeDefined();
  });

  it('counts a malformed or out-of-range grade, or a failing server, as no judgement', async () => {
    server.setReply(() => ({ text: 'I think it is fine.' }));
    expect(await judge.judge(item)).toBeNull();
    server.setReply(() => ({ text: '{"correctness": 3, "faithfulness": 1}' }));
    expect(await judge.judge(item)).toBeNull();
    server.setReply(() => ({ status: 500, error: 'boom' }));
    expect(await judge.judge(item)).toBeNull();
  });

  it('says why a grade is missing', async () => {
    server.setReply(() => ({ text: 'I think it is fine.' }));
    expect(await judge.grade(item)).toEqual({ failure: 'the judge replied "I think it is fine.": no JSON object' });
    server.setReply(() => ({ text: '{"correctness": 3, "faithfulness": 1}' }));
    expect(await judge.grade(item)).toEqual({ failure: expect.stringContaining('not {"correctness": -1..2, "faithfulness": -1..1}') });
    server.setReply(() => ({ status: 500, error: 'boom' }));
    expect(await judge.grade(item)).toEqual({ failure: expect.stringMatching(/^the judge failed: .*boom/) });
  });
});
