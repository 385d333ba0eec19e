import type { RunContext } from '../core/run-context.js';
import type { Span } from '../core/trace.js';
import type { ChatDelta, ChatMessage, ChatOptions, ChatResult } from './chat-types.js';

/** What a probe of the model server found; for readiness and start-up logs. */
export interface ChatServerStatus {
  reachable: boolean;
  /** The URL probed, without credentials. */
  url: string;
  /** Models the server lists. */
  models?: string[];
  /** Whether the configured model is among them (servers such as llama.cpp ignore the name, so only a hint). */
  modelListed?: boolean;
  reason?: string;
}

const STAGE = 'llm.chat';

/**
 * A chat model (the DESIGN's Generator contract): the public methods record an `llm.chat` span with the model,
 * finish reason and token usage; implementations provide `doChat` and `doStream`.
 */
export abstract class ChatModel {
  /** The model requests name unless a call asks for another. */
  abstract readonly model: string;

  async chat(messages: ChatMessage[], options: ChatOptions, ctx: RunContext): Promise<ChatResult> {
    return ctx.span(STAGE, () => this.doChat(messages, options, ctx), (r) => chatAttrs(r, false));
  }

  /** Yields the new text (and its log-probabilities) as it comes; returns the whole result, tool calls assembled. */
  async *stream(messages: ChatMessage[], options: ChatOptions, ctx: RunContext): AsyncGenerator<ChatDelta, ChatResult, undefined> {
    ctx.check(STAGE);
    const start = ctx.trace.now();
    let attrs: Span['attrs'] = { stream: true, cancelled: true };
    try {
      const result = yield* this.doStream(messages, options, ctx);
      attrs = chatAttrs(result, true);
      return result;
    } catch (err) {
      attrs = { stream: true, error: err instanceof Error ? err.message : String(err) };
      throw err;
    } finally {
      // One span for the whole stream, whether it finished, failed or its reader stopped early.
      ctx.trace.record(STAGE, start, attrs);
    }
  }

  /** Checks that the server answers (and lists the model) within `timeoutMs`; never throws. */
  abstract probe(timeoutMs: number): Promise<ChatServerStatus>;

  protected abstract doChat(messages: ChatMessage[], options: ChatOptions, ctx: RunContext): Promise<ChatResult>;

  protected abstract doStream(messages: ChatMessage[], options: ChatOptions, ctx: RunContext): AsyncGenerator<ChatDelta, ChatResult, undefined>;
}

/** Span attributes of a chat result: the model, why it stopped, and token usage where the server reported it. */
export function chatAttrs(r: ChatResult, stream: boolean): NonNullable<Span['attrs']> {
  const attrs: NonNullable<Span['attrs']> = { model: r.model, finishReason: r.finishReason, stream };
  if (r.usage) {
    attrs['promptTokens'] = r.usage.promptTokens;
    attrs['completionTokens'] = r.usage.completionTokens;
  }
  if (r.toolCalls.length > 0) attrs['toolCalls'] = r.toolCalls.length;
  return attrs;
}
