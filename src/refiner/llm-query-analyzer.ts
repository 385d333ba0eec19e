import type { RunContext } from '../core/run-context.js';
import type { ChatMessage, ChatOptions, ChatResult } from '../models/chat-types.js';
import { QueryAnalyzer } from './query-analyzer.js';
import { queryFormAlpha } from './query-form-classifier.js';

export type ChatFn = (messages: ChatMessage[], options: ChatOptions, ctx: RunContext) => Promise<ChatResult>;

const SYSTEM = [
  'You judge what a question needs from long documents.',
  'Answer "Global" if it needs a broad understanding of a document or of many of its parts (an overview, a summary, a comparison, causes and effects).',
  'Answer "Local" if it needs one specific detail that a single passage holds (a name, a date, a number, one fact).',
  'Answer with one word: Global or Local.',
].join('\n');

/**
 * Alpha from the LLM's next-token distribution over the two labels (LongRefiner's dual-level analysis):
 * alpha = p(Global) / (p(Global) + p(Local)), summed over the label's spellings among the top alternatives of the
 * first token. When the server sends no log-probabilities or neither label is among them, the answer's text
 * decides (1 or 0), and without even that, the question-form classifier.
 */
export class LlmQueryAnalyzer extends QueryAnalyzer {
  readonly name = 'llm';

  constructor(
    private readonly chat: ChatFn,
    private readonly topLogprobs = 10,
  ) {
    super();
  }

  protected async doAnalyze(query: string, ctx: RunContext): Promise<number> {
    const r = await this.chat(
      [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: `Question: ${query}\nLabel:` },
      ],
      { temperature: 0, maxTokens: 1, topLogprobs: this.topLogprobs },
      ctx,
    );
    return alphaFromLogprobs(r) ?? alphaFromText(r.text) ?? queryFormAlpha(query);
  }
}

export function alphaFromLogprobs(r: ChatResult): number | null {
  const first = r.tokens?.[0];
  if (!first) return null;
  const options = first.top.length > 0 ? first.top : [{ token: first.token, logprob: first.logprob }];
  let global = 0;
  let local = 0;
  for (const o of options) {
    const label = labelOf(o.token);
    if (label === 'global') global += Math.exp(o.logprob);
    else if (label === 'local') local += Math.exp(o.logprob);
  }
  return global + local > 0 ? global / (global + local) : null;
}

function alphaFromText(text: string): number | null {
  const label = labelOf(text);
  return label === 'global' ? 1 : label === 'local' ? 0 : null;
}

/** "Global", " global", "G" (a tokenizer may split the word: its first piece counts). */
function labelOf(token: string): 'global' | 'local' | null {
  const t = token.trim().toLowerCase().replace(/^["'*]+/, '').replace(/[."'*:]+$/, '');
  if (!/^[a-z]+$/.test(t)) return null;
  if ('global'.startsWith(t) || t.startsWith('global')) return 'global';
  if ('local'.startsWith(t) || t.startsWith('local')) return 'local';
  return null;
}
