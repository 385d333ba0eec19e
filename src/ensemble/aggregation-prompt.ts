import type { Passage } from '../core/types.js';
import { ANSWER_RULES, numberedPassages } from '../models/answer-prompt.js';
import type { ChatMessage } from '../models/chat-types.js';

/** What the aggregating LLM is told of one member: its answer and how much it counted. */
export interface MemberAnswer {
  pipeline: string;
  answer: string;
  weight: number;
  confidence: number;
  abstained: boolean;
}

const SYSTEM = [
  'You write the final answer to a question from the work of several question-answering systems.',
  'You get numbered passages (the evidence the systems found) and each system\'s answer with its weight: how certain the system was, relative to the others (the weights sum to 1).',
  'Check the answers against the passages. Prefer the answer the passages support; a high weight means a system was sure, not that it is right. Answers that agree support each other.',
  'Use only the passages, not what you know otherwise.',
  ...ANSWER_RULES,
].join('\n');

/** The chat messages that ask for the ensemble's answer to `question` (DESIGN, "Ensemble": generative aggregation). */
export function aggregationMessages(question: string, members: readonly MemberAnswer[], passages: readonly Passage[]): ChatMessage[] {
  const answers = members.map((m) => {
    const said = m.abstained ? 'no answer (not enough evidence)' : oneLine(m.answer);
    return `- ${m.pipeline} (weight ${m.weight.toFixed(2)}, confidence ${m.confidence.toFixed(2)}): ${said}`;
  });
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `Passages:\n\n${numberedPassages(passages)}\n\nAnswers of the systems:\n${answers.join('\n')}\n\nQuestion: ${question}` },
  ];
}

/** An answer on one line, so a long or multi-line answer cannot pass for the prompt's own structure. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 600 ? `${flat.slice(0, 600)}…` : flat;
}
