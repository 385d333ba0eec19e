import type { QueryPlan } from '../core/types.js';
import type { ChatMessage } from '../models/chat-types.js';

/** The opening of the agent's conversation: how to use the tools, and the question. */
export function agentMessages(plan: QueryPlan, maxSteps: number): ChatMessage[] {
  const system = [
    'You answer questions from a document collection that you can see only through tools:',
    '- search(query) finds passages; each result has an id such as p3, the document it comes from, and the start of its text;',
    '- read(id, focus) returns the parts of a document that matter for the focus (the question by default), by a passage id or a document id;',
    '- answer(answer, citations) gives your final answer with the ids of the passages that support it.',
    'Search first. Read a document when a passage looks relevant but is cut short. When the question needs several facts, search again for each (for example for a name you have just learned).',
    'Answer only from what the tools returned. When the question asks for a fact (a name, a date, a number, yes or no), the answer is just that fact.',
    'If the collection does not hold the answer, answer that you could not find it, citing nothing.',
    `You have at most ${maxSteps} turns; call answer by the last one.`,
  ].join('\n');
  const parts = plan.subQueries.length > 1 ? `\n(It asks: ${plan.subQueries.join('; ')})` : '';
  return [
    { role: 'system', content: system },
    { role: 'user', content: `Question: ${plan.corrected}${parts}` },
  ];
}

/** Said before the last turn, so a model that would search on gives its answer instead. */
export const LAST_TURN = 'This is your last turn: call answer now with what you have found.';

/** Said after a reply with neither a tool call nor text. */
export const NO_CALL = 'Reply with a tool call: search, read or answer.';
