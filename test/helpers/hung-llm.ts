import type { ScriptedReply } from './openai-test-server.js';

/** The request deadline the LLM fault tests run under. */
export const DEADLINE_MS = 1000;
/** What the response may take beyond its deadline: event-loop and HTTP overhead on a loaded 2-core CI machine. */
export const SLACK_MS = 300;

export const POTTERY_DOCS = [
  { id: 'kiln', title: 'Kilns', text: 'A pottery kiln fires clay at about 1200 degrees Celsius to harden it.' },
  { id: 'glaze', title: 'Glazes', text: 'Glazes are glassy coatings that melt onto pottery during a second firing.' },
];
export const POTTERY_QUESTION = 'how hot does a pottery kiln fire clay?';

/** Accepts, reads the request, and holds the connection for ten minutes without a byte of answer. */
export const hang = (): ScriptedReply => ({ text: 'never sent', delayMs: 600_000 });

/** Two chunks of the answer, then the connection closes: a model server dropping its stream midway. */
export const dropMidStream = (): ScriptedReply => ({ text: 'Clay is fired at about 1200 degrees in a kiln.', drop: { afterChunks: 2 } });

/** The LLM at `baseUrl` and a pipeline "llm" that writes its answers, as the mid-stream failure tests configure them. */
export const llmPipeline = (baseUrl: string) => ({
  llm: { baseUrl, model: 'test-model', topLogprobs: 2, maxRetries: 0 },
  pipelines: { llm: { kind: 'sequential' as const, generator: 'llm' as const } },
});

/** A trace span as the response carries it. */
export interface TraceSpan {
  name: string;
  ms: number;
  attrs?: Record<string, unknown>;
}
