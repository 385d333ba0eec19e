import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RunContext } from '../core/run-context.js';
import type { ChatModel } from '../models/chat-model.js';

/** One answer to grade: the question, the answer, the reference answer, and the passages it was given. */
export interface JudgeItem {
  question: string;
  answer: string;
  reference: string;
  passages: string[];
}

/** LiveRAG's rubric: correctness -1..2, faithfulness -1..1. */
export interface Judgement {
  correctness: number;
  faithfulness: number;
}

const JudgementSchema = Type.Object(
  { correctness: Type.Integer({ minimum: -1, maximum: 2 }), faithfulness: Type.Integer({ minimum: -1, maximum: 1 }) },
  { additionalProperties: true },
);

const RUBRIC = [
  'You grade an answer to a question, as the SIGIR 2025 LiveRAG challenge does.',
  'Correctness, against the reference answer:',
  '  2 = correct and relevant, with no irrelevant information;',
  '  1 = correct, but with irrelevant information;',
  '  0 = no answer, or an answer irrelevant to the question;',
  ' -1 = incorrect.',
  'Faithfulness, against the passages the answer was given:',
  '  1 = every part of the answer is supported by the passages;',
  '  0 = some parts are supported;',
  ' -1 = nothing is supported.',
  'Reply with one JSON object and nothing else: {"correctness": <int>, "faithfulness": <int>}.',
].join('\n');

/**
 * An LLM judge with LiveRAG's correctness and faithfulness rubric. A reply that is not a valid grade is a failed
 * judgement (null), counted apart rather than guessed.
 */
export class LlmJudge {
  constructor(
    private readonly chat: ChatModel,
    private readonly options: { timeoutMs: number } = { timeoutMs: 60_000 },
  ) {}

  async judge(item: JudgeItem): Promise<Judgement | null> {
    const r = await this.grade(item);
    return 'failure' in r ? null : r;
  }

  /** The grade, or why there is none (the judge's error, or what was wrong with its reply). */
  async grade(item: JudgeItem): Promise<Judgement | { failure: string }> {
    const passages = item.passages.map((p, i) => `[${i + 1}] ${p}`).join('\n\n');
    const user = `Question: ${item.question}\n\nReference answer: ${item.reference}\n\nPassages:\n${passages}\n\nAnswer to grade: ${item.answer}`;
    let text: string;
    try {
      const r = await this.chat.chat(
        [
          { role: 'system', content: RUBRIC },
          { role: 'user', content: user },
        ],
        { temperature: 0, maxTokens: 64, json: true },
        new RunContext({ timeoutMs: this.options.timeoutMs }),
      );
      text = r.text;
    } catch (err) {
      return { failure: `the judge failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    const json = /\{[\s\S]*\}/.exec(text)?.[0];
    const reply = `the judge replied ${JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}...` : text)}`;
    if (!json) return { failure: `${reply}: no JSON object` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      return { failure: `${reply}: not valid JSON` };
    }
    if (!Value.Check(JudgementSchema, parsed)) return { failure: `${reply}: not {"correctness": -1..2, "faithfulness": -1..1}` };
    return { correctness: parsed.correctness, faithfulness: parsed.faithfulness };
  }
}
