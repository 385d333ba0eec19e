import type { ChatMessage, ChatOptions, ChatResult, ChatToolCall, ChatUsage, TokenLogprob } from './chat-types.js';

/**
 * The OpenAI chat completions wire format, both ways: our chat types to a request body, and a response body
 * (read as unknown JSON and checked field by field, since servers differ) back to our types. Only what vLLM,
 * llama.cpp, Ollama, TGI and OpenAI have in common is relied on.
 */

/** A reply that does not have the shape of the protocol; the client reports it as an upstream error. */
export class WireError extends Error {
  override readonly name = 'WireError';
}

type Json = Record<string, unknown>;

export const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface RequestDefaults {
  model: string;
  temperature?: number;
  maxTokens?: number;
}

export function chatRequestBody(messages: readonly ChatMessage[], options: ChatOptions, defaults: RequestDefaults, stream: boolean): Json {
  const body: Json = { model: options.model ?? defaults.model, messages: messages.map(wireMessage) };
  const temperature = options.temperature ?? defaults.temperature;
  if (temperature !== undefined) body['temperature'] = temperature;
  const maxTokens = options.maxTokens ?? defaults.maxTokens;
  // max_tokens, not OpenAI's newer max_completion_tokens: every compatible server knows this one.
  if (maxTokens !== undefined) body['max_tokens'] = maxTokens;
  if (options.stop && options.stop.length > 0) body['stop'] = options.stop;
  if (options.topLogprobs !== undefined) {
    body['logprobs'] = true;
    if (options.topLogprobs > 0) body['top_logprobs'] = options.topLogprobs;
  }
  if (options.tools && options.tools.length > 0) {
    body['tools'] = options.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
  }
  if (options.json) body['response_format'] = { type: 'json_object' };
  if (stream) {
    body['stream'] = true;
    body['stream_options'] = { include_usage: true };
  }
  return body;
}

function wireMessage(m: ChatMessage): Json {
  switch (m.role) {
    case 'assistant': {
      const out: Json = { role: 'assistant', content: m.content };
      if (m.toolCalls && m.toolCalls.length > 0) {
        out['tool_calls'] = m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
      }
      return out;
    }
    case 'tool':
      return { role: 'tool', content: m.content, tool_call_id: m.toolCallId };
    default:
      return { role: m.role, content: m.content };
  }
}

/** A non-streamed `chat.completion` body as a ChatResult; throws WireError naming what is missing. */
export function parseChatCompletion(json: unknown, requestedModel: string): ChatResult {
  if (!isJson(json)) throw new WireError('the reply is not a JSON object');
  const error = errorMessageOf(json);
  if (error !== undefined) throw new WireError(`the reply is an error: ${error}`);
  const choices = json['choices'];
  const choice = Array.isArray(choices) ? choices[0] : undefined;
  if (!isJson(choice)) throw new WireError('the reply has no choices[0]');
  const message = choice['message'];
  if (!isJson(message)) throw new WireError('the reply has no choices[0].message');
  const content = message['content'];
  if (content !== null && content !== undefined && typeof content !== 'string') throw new WireError('choices[0].message.content is not a string');
  const toolCalls = Array.isArray(message['tool_calls']) ? message['tool_calls'].map(parseToolCall) : [];
  const result: ChatResult = {
    text: content ?? '',
    toolCalls,
    finishReason: typeof choice['finish_reason'] === 'string' ? choice['finish_reason'] : 'unknown',
    model: typeof json['model'] === 'string' ? json['model'] : requestedModel,
  };
  const tokens = parseLogprobs(choice['logprobs']);
  if (tokens) result.tokens = tokens;
  const usage = parseUsage(json['usage']);
  if (usage) result.usage = usage;
  return result;
}

function parseToolCall(v: unknown, i: number): ChatToolCall {
  const fn = isJson(v) ? v['function'] : undefined;
  if (!isJson(v) || !isJson(fn) || typeof fn['name'] !== 'string') throw new WireError(`tool_calls[${i}] has no function name`);
  const args = fn['arguments'];
  return {
    id: typeof v['id'] === 'string' ? v['id'] : `call_${i}`,
    name: fn['name'],
    // Some servers send the arguments as an object rather than JSON text.
    arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
  };
}

/** `logprobs: {content: [{token, logprob, top_logprobs: [...]}]}` as tokens; undefined when the server sent none. */
export function parseLogprobs(v: unknown): TokenLogprob[] | undefined {
  if (!isJson(v) || !Array.isArray(v['content'])) return undefined;
  return v['content'].map((t, i) => {
    if (!isJson(t) || typeof t['token'] !== 'string' || typeof t['logprob'] !== 'number') {
      throw new WireError(`logprobs.content[${i}] lacks a token or its logprob`);
    }
    const top = Array.isArray(t['top_logprobs'])
      ? t['top_logprobs'].flatMap((a) => (isJson(a) && typeof a['token'] === 'string' && typeof a['logprob'] === 'number' ? [{ token: a['token'], logprob: a['logprob'] }] : []))
      : [];
    return { token: t['token'], logprob: t['logprob'], top };
  });
}

export function parseUsage(v: unknown): ChatUsage | undefined {
  if (!isJson(v) || typeof v['prompt_tokens'] !== 'number') return undefined;
  return { promptTokens: v['prompt_tokens'], completionTokens: typeof v['completion_tokens'] === 'number' ? v['completion_tokens'] : 0 };
}

/** The message of an error body in the shapes servers use: OpenAI/vLLM/llama.cpp `{error: {message}}`, TGI/Ollama `{error: "..."}`, `{message}`. */
export function errorMessageOf(json: unknown): string | undefined {
  if (!isJson(json)) return undefined;
  const error = json['error'];
  if (typeof error === 'string') return error;
  if (isJson(error) && typeof error['message'] === 'string') return error['message'];
  if (error === undefined && typeof json['message'] === 'string' && json['choices'] === undefined) return json['message'];
  return undefined;
}
