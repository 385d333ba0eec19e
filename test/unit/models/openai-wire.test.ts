import { describe, expect, it } from 'vitest';
import { chatRequestBody, errorMessageOf, parseChatCompletion } from '../../../src/models/openai-wire.js';

describe('chatRequestBody', () => {
  it('uses the defaults unless the call overrides them, and leaves out what is not asked for', () => {
    expect(chatRequestBody([{ role: 'user', content: 'hi' }], {}, { model: 'm' }, false)).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(chatRequestBody([{ role: 'user', content: 'hi' }], { model: 'n', temperature: 0, maxTokens: 5, topLogprobs: 0, stop: [] }, { model: 'm', temperature: 1, maxTokens: 9 }, true)).toEqual({
      model: 'n',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0,
      max_tokens: 5,
      logprobs: true,
      stream: true,
      stream_options: { include_usage: true },
    });
  });
});

describe('parseChatCompletion', () => {
  it('names what a malformed reply lacks', () => {
    expect(() => parseChatCompletion('x', 'm')).toThrow('the reply is not a JSON object');
    expect(() => parseChatCompletion({ choices: [] }, 'm')).toThrow('the reply has no choices[0]');
    expect(() => parseChatCompletion({ choices: [{}] }, 'm')).toThrow('the reply has no choices[0].message');
    expect(() => parseChatCompletion({ choices: [{ message: { content: 5 } }] }, 'm')).toThrow('choices[0].message.content is not a string');
    expect(() => parseChatCompletion({ choices: [{ message: { content: 'a' }, logprobs: { content: [{ token: 'a' }] } }] }, 'm')).toThrow(
      'logprobs.content[0] lacks a token or its logprob',
    );
    expect(() => parseChatCompletion({ error: { message: 'busy' } }, 'm')).toThrow('the reply is an error: busy');
  });

  it('fills what a minimal server leaves out: model, finish reason, no usage, no logprobs', () => {
    expect(parseChatCompletion({ choices: [{ message: { role: 'assistant', content: 'hi' } }] }, 'asked')).toEqual({
      text: 'hi',
      toolCalls: [],
      finishReason: 'unknown',
      model: 'asked',
    });
  });
});

describe('errorMessageOf', () => {
  it('reads the error shapes servers use', () => {
    expect(errorMessageOf({ error: { message: 'a', type: 't' } })).toBe('a');
    expect(errorMessageOf({ error: 'b', error_type: 'overloaded' })).toBe('b');
    expect(errorMessageOf({ message: 'c' })).toBe('c');
    expect(errorMessageOf({ choices: [] })).toBeUndefined();
  });
});
