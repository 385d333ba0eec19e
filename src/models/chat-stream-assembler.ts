import type { ChatDelta, ChatResult, ChatUsage, TokenLogprob } from './chat-types.js';
import { WireError, errorMessageOf, isJson, parseLogprobs, parseUsage } from './openai-wire.js';

interface PartialToolCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * Builds one ChatResult from the `chat.completion.chunk` objects of a stream, handing back what each adds: text
 * deltas with their log-probabilities, tool calls assembled from indexed fragments (the id and name come once,
 * the arguments in pieces), the finish reason, and usage from the last chunk.
 */
export class ChatStreamAssembler {
  private text = '';
  private readonly tokens: TokenLogprob[] = [];
  private sawLogprobs = false;
  private readonly calls = new Map<number, PartialToolCall>();
  private finishReason: string | undefined;
  private usage: ChatUsage | undefined;

  constructor(private model: string) {}

  /** Takes one parsed chunk; returns the new text it carries, if any. Throws WireError on an error event. */
  push(chunk: unknown): ChatDelta | undefined {
    if (!isJson(chunk)) throw new WireError('a stream event is not a JSON object');
    const error = errorMessageOf(chunk);
    if (error !== undefined) throw new WireError(`the stream carried an error: ${error}`);
    if (typeof chunk['model'] === 'string' && chunk['model'].length > 0) this.model = chunk['model'];
    this.usage = parseUsage(chunk['usage']) ?? this.usage;
    const choices = chunk['choices'];
    const choice = Array.isArray(choices) ? choices.find((c) => isJson(c) && (c['index'] ?? 0) === 0) : undefined;
    if (!isJson(choice)) return undefined;
    if (typeof choice['finish_reason'] === 'string') this.finishReason = choice['finish_reason'];
    const delta = isJson(choice['delta']) ? choice['delta'] : {};
    if (Array.isArray(delta['tool_calls'])) delta['tool_calls'].forEach((d) => this.addToolCall(d));
    const text = typeof delta['content'] === 'string' ? delta['content'] : '';
    const tokens = parseLogprobs(choice['logprobs']);
    if (tokens) {
      this.sawLogprobs = true;
      this.tokens.push(...tokens);
    }
    this.text += text;
    if (text === '' && (tokens === undefined || tokens.length === 0)) return undefined;
    return tokens && tokens.length > 0 ? { text, tokens } : { text };
  }

  /** True once a chunk gave a finish reason. */
  get finished(): boolean {
    return this.finishReason !== undefined;
  }

  result(): ChatResult {
    const result: ChatResult = {
      text: this.text,
      toolCalls: [...this.calls.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => ({ ...c })),
      finishReason: this.finishReason ?? 'unknown',
      model: this.model,
    };
    if (this.sawLogprobs) result.tokens = [...this.tokens];
    if (this.usage) result.usage = { ...this.usage };
    return result;
  }

  private addToolCall(d: unknown): void {
    if (!isJson(d)) return;
    const fn = isJson(d['function']) ? d['function'] : {};
    const id = typeof d['id'] === 'string' && d['id'].length > 0 ? d['id'] : undefined;
    // Servers that send whole calls without an index (older Ollama) get one by id, else the next free one.
    let index = typeof d['index'] === 'number' ? d['index'] : undefined;
    if (index === undefined && id !== undefined) index = [...this.calls.entries()].find(([, c]) => c.id === id)?.[0];
    index ??= Math.max(-1, ...this.calls.keys()) + 1;
    const call = this.calls.get(index) ?? { id: id ?? `call_${index}`, name: '', arguments: '' };
    if (id !== undefined) call.id = id;
    if (typeof fn['name'] === 'string' && fn['name'].length > 0) call.name = fn['name'];
    const args = fn['arguments'];
    if (typeof args === 'string') call.arguments += args;
    else if (isJson(args)) call.arguments += JSON.stringify(args);
    this.calls.set(index, call);
  }
}
