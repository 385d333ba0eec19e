/** The contract of an OpenAI-compatible chat model, as the generator, rerankers and planners use it. */

export interface ChatToolCall {
  id: string;
  name: string;
  /** JSON text of the arguments, as the server sent it. */
  arguments: string;
}

export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls?: ChatToolCall[] }
  | { role: 'tool'; content: string; toolCallId: string };

export interface ChatTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

export interface ChatOptions {
  model?: string;
  temperature?: number;
  maxTokens?: number;
  stop?: string[];
  /** Ask for log-probabilities with this many alternatives per token (0 for the chosen token's only). */
  topLogprobs?: number;
  tools?: ChatTool[];
  /** Ask for a JSON object (response_format json_object) where the server supports it. */
  json?: boolean;
}

export interface TokenLogprob {
  token: string;
  logprob: number;
  top: Array<{ token: string; logprob: number }>;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatResult {
  text: string;
  /** Present when the server returned log-probabilities. */
  tokens?: TokenLogprob[];
  toolCalls: ChatToolCall[];
  finishReason: string;
  usage?: ChatUsage;
  model: string;
}

export interface ChatDelta {
  /** New text only, never the text so far. */
  text: string;
  tokens?: TokenLogprob[];
}
