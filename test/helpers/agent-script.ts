import type { RecordedRequest, ScriptedReply, ScriptedToken } from './openai-test-server.js';

/** Helpers to play the LLM of the agentic pipeline on the OpenAI test server: tool calls out, tool replies in. */

export interface WireMessage {
  role: string;
  content: string | null;
  tool_call_id?: string;
  tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
}

export function messagesOf(request: RecordedRequest): WireMessage[] {
  return (request.body?.messages ?? []) as WireMessage[];
}

/** The tool messages of a request, in order: what the pipeline answered to the model's calls. */
export function toolRepliesOf(request: RecordedRequest): WireMessage[] {
  return messagesOf(request).filter((m) => m.role === 'tool');
}

/** The id a tool reply gave a passage of the document: "[p2] France (document: france)". */
export function passageIdOf(request: RecordedRequest, docId: string): string | undefined {
  const text = toolRepliesOf(request)
    .map((m) => m.content ?? '')
    .join('\n');
  const escaped = docId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\[(p\\d+)\\][^\\n]*\\(document: ${escaped}\\)$`, 'm').exec(text)?.[1];
}

/** A reply that calls one tool; `args` as an object, or raw text (to send malformed JSON). */
export function toolCall(name: string, args: unknown): ScriptedReply {
  return { toolCalls: [{ name, arguments: typeof args === 'string' ? args : JSON.stringify(args) }] };
}

/**
 * An answer call whose tokens spell its JSON arguments, as vLLM reports the log-probabilities of a tool call; the
 * answer is the concatenation of `answerTokens`.
 */
export function answerCall(answerTokens: ScriptedToken[], citations: string[]): ScriptedReply {
  const answer = answerTokens.map((t) => t.token).join('');
  const sure = (token: string): ScriptedToken => ({ token, logprob: Math.log(0.99) });
  return {
    tokens: [sure('{"answer":"'), ...answerTokens, sure(`","citations":${JSON.stringify(citations)}}`)],
    toolCalls: [{ name: 'answer', arguments: JSON.stringify({ answer, citations }) }],
  };
}

/** A token whose alternatives are given as probabilities (the log is taken here). */
export const tok = (token: string, p: number, top: number[] = [p]): ScriptedToken => ({
  token,
  logprob: Math.log(p),
  top: top.map((q, i) => ({ token: i === 0 ? token : `${token}~${i}`, logprob: Math.log(q) })),
});

/** Shannon entropy (nats) of a distribution, to compute expected values by hand. */
export const H = (ps: number[]): number => -ps.reduce((s, p) => s + p * Math.log(p), 0);
