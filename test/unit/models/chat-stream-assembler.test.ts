import { describe, expect, it } from 'vitest';
import { ChatStreamAssembler } from '../../../src/models/chat-stream-assembler.js';

const chunk = (choice: Record<string, unknown> | null, extra: Record<string, unknown> = {}) => ({
  id: 'c',
  object: 'chat.completion.chunk',
  model: 'served-model',
  choices: choice ? [{ index: 0, ...choice }] : [],
  ...extra,
});

describe('ChatStreamAssembler', () => {
  it('hands back new text with its tokens, and assembles text, tokens, finish reason, usage and model', () => {
    const a = new ChatStreamAssembler('asked-model');
    expect(a.push(chunk({ delta: { role: 'assistant', content: '' }, finish_reason: null }))).toBeUndefined();
    expect(a.push(chunk({ delta: { content: 'Hel' }, logprobs: { content: [{ token: 'Hel', logprob: -0.5, top_logprobs: [{ token: 'Hel', logprob: -0.5 }] }] } }))).toEqual({
      text: 'Hel',
      tokens: [{ token: 'Hel', logprob: -0.5, top: [{ token: 'Hel', logprob: -0.5 }] }],
    });
    expect(a.push(chunk({ delta: { content: 'lo' }, logprobs: { content: [{ token: 'lo', logprob: -0.25, top_logprobs: [] }] } }))?.text).toBe('lo');
    expect(a.finished).toBe(false);
    a.push(chunk({ delta: {}, finish_reason: 'length' }));
    a.push(chunk(null, { usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }));
    expect(a.finished).toBe(true);
    expect(a.result()).toEqual({
      text: 'Hello',
      tokens: [
        { token: 'Hel', logprob: -0.5, top: [{ token: 'Hel', logprob: -0.5 }] },
        { token: 'lo', logprob: -0.25, top: [] },
      ],
      toolCalls: [],
      finishReason: 'length',
      usage: { promptTokens: 5, completionTokens: 2 },
      model: 'served-model',
    });
  });

  it('assembles interleaved tool-call fragments by index; id and name once, arguments appended', () => {
    const a = new ChatStreamAssembler('m');
    a.push(chunk({ delta: { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'read', arguments: '' } }] } }));
    a.push(chunk({ delta: { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'search', arguments: '{"q":' } }] } }));
    a.push(chunk({ delta: { tool_calls: [{ index: 1, function: { arguments: '{"doc":"x"}' } }, { index: 0, function: { arguments: '"paris"}' } }] } }));
    a.push(chunk({ delta: {}, finish_reason: 'tool_calls' }));
    expect(a.result().toolCalls).toEqual([
      { id: 'call_a', name: 'search', arguments: '{"q":"paris"}' },
      { id: 'call_b', name: 'read', arguments: '{"doc":"x"}' },
    ]);
    expect(a.result().tokens).toBeUndefined();
  });

  it('takes whole tool calls without an index (older Ollama), arguments given as an object', () => {
    const a = new ChatStreamAssembler('m');
    a.push(chunk({ delta: { tool_calls: [{ id: 'x', function: { name: 'search', arguments: { q: 'a' } } }, { id: 'y', function: { name: 'read', arguments: '{}' } }] } }));
    expect(a.result().toolCalls).toEqual([
      { id: 'x', name: 'search', arguments: '{"q":"a"}' },
      { id: 'y', name: 'read', arguments: '{}' },
    ]);
  });

  it('throws on an error event and on a chunk that is not an object', () => {
    const a = new ChatStreamAssembler('m');
    expect(() => a.push({ error: { message: 'out of memory', type: 'server_error' } })).toThrow(/the stream carried an error: out of memory/);
    expect(() => a.push([1])).toThrow(/not a JSON object/);
  });
});
