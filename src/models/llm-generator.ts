import { RagError } from '../core/errors.js';
import type { RunContext } from '../core/run-context.js';
import type { Span } from '../core/trace.js';
import type { Candidate, Passage, ReaderResult } from '../core/types.js';
import { UNKNOWN_ANSWER, answerMessages, parseAnswer } from './answer-prompt.js';
import type { ChatModel } from './chat-model.js';
import type { ChatOptions, ChatResult } from './chat-types.js';
import { citationsIn } from './citation-markers.js';
import { Reader, type ReaderOutput } from './reader.js';
import { tokenStats, tokensInRange } from './token-entropy.js';

export interface LlmGeneratorOptions {
  /** Alternatives asked for per token; their spread is the entropy. */
  topLogprobs: number;
  temperature?: number;
  maxTokens?: number;
}

/**
 * The LLM reader: asks a chat model for an answer from the numbered passages, citing them as [n] and ending a
 * short answer with a marked final line, and reads its confidence off the token log-probabilities.
 *
 * - The candidate is the marked final answer (markers stripped) when there is one, else the whole text; its
 *   citations are the [n] markers of the whole text (the reasoning cites the evidence) that point at a passage.
 * - `prob` is the answer's length-normalised sequence probability, exp(mean logprob) over the answer's own
 *   tokens: the raw product exp(sum of logprobs) shrinks with every token, so a long, confident answer would look
 *   less likely than a short, hesitant one, and reasoning before the final answer would count against it. The
 *   remaining mass stands for "some other answer": the one candidate's prob need not be 1.
 * - `entropy` is the mean, over the same tokens, of the entropy of each token's renormalised top-k alternatives;
 *   `normalizedEntropy` divides each token's by log(k) before averaging, so it lies in [0, 1] like the extractive
 *   reader's.
 * The raw sequence log-probability of the whole output is in the span's attributes.
 */
export class LlmGenerator extends Reader {
  override readonly streams = true;
  readonly name = 'llm';
  protected override readonly stage = 'generate';

  constructor(
    private readonly chat: ChatModel,
    private readonly options: LlmGeneratorOptions,
  ) {
    super();
  }

  protected async doAnswer(query: string, passages: readonly Passage[], ctx: RunContext): Promise<ReaderOutput> {
    if (passages.length === 0) return nothingToRead();
    const result = await this.chat.chat(answerMessages(query, passages), this.chatOptions(), ctx);
    return readGeneratedAnswer(result, passages.length);
  }

  protected override async *doStream(
    query: string,
    passages: readonly Passage[],
    ctx: RunContext,
  ): AsyncGenerator<{ type: 'token'; text: string }, ReaderOutput, undefined> {
    if (passages.length === 0) return nothingToRead();
    const stream = this.chat.stream(answerMessages(query, passages), this.chatOptions(), ctx);
    let finished = false;
    try {
      for (;;) {
        const next = await stream.next();
        if (next.done) {
          finished = true;
          return readGeneratedAnswer(next.value, passages.length);
        }
        if (next.value.text.length > 0) yield { type: 'token', text: next.value.text };
      }
    } finally {
      // A consumer that stopped reading early closes the model's stream (and its connection) too.
      if (!finished) await stream.return(undefined as never); // (its value is never read)
    }
  }

  private chatOptions(): ChatOptions {
    const options: ChatOptions = { topLogprobs: this.options.topLogprobs };
    if (this.options.temperature !== undefined) options.temperature = this.options.temperature;
    if (this.options.maxTokens !== undefined) options.maxTokens = this.options.maxTokens;
    return options;
  }
}

/**
 * A chat model's reply to a prompt for a cited answer (`answerMessages`, or the generative ensemble's), read as
 * the generator reads it: the marked final answer, its [n] citations, and its probability and entropy from the
 * log-probabilities of the answer's own tokens. A reply without log-probabilities is an UPSTREAM_ERROR.
 */
export function readGeneratedAnswer(r: ChatResult, passageCount: number): ReaderOutput {
  const attrs: NonNullable<Span['attrs']> = { model: r.model, finishReason: r.finishReason };
  if (r.usage) {
    attrs['promptTokens'] = r.usage.promptTokens;
    attrs['completionTokens'] = r.usage.completionTokens;
  }
  // An empty reply is no answer (the pipeline abstains), streamed or not: a stream of no tokens carries no logprobs.
  if (r.text.trim().length === 0) return { result: { candidates: [], entropy: 0, normalizedEntropy: 0 }, attrs };
  if (r.tokens === undefined || r.tokens.length === 0) {
    throw new RagError(
      'UPSTREAM_ERROR',
      `the LLM (model "${r.model}") sent no log-probabilities, which the generator needs for its confidence and entropy; use a server that returns them for logprobs: true (vLLM, llama.cpp server, TGI, OpenAI)`,
    );
  }
  const answer = parseAnswer(r.text);
  if (answer.text.length === 0) return { result: { candidates: [], entropy: 0, normalizedEntropy: 0 }, attrs };
  // The model says the passages do not hold the answer, as the prompt asks it to: that is an abstention, not an
  // answer. Before the prompt asked for this line, "The passages do not say how tall it is." came back as the
  // answer at confidence 0.99, and won a generative ensemble that no member had given it to.
  if (answer.final && answer.text.replace(/[\s.*_"'`]/g, '').toLowerCase() === UNKNOWN_ANSWER) {
    attrs['unknown'] = true;
    return { result: { candidates: [], entropy: 0, normalizedEntropy: 1 }, attrs };
  }
  const stats = tokenStats(tokensInRange(r.tokens, r.text, answer.start, answer.end));
  const candidate: Candidate = {
    text: answer.text,
    prob: Number(Math.exp(stats.meanLogprob).toFixed(6)),
    citations: citationsIn(r.text, passageCount),
  };
  attrs['finalAnswer'] = answer.final;
  attrs['answerTokens'] = stats.tokens;
  attrs['sequenceLogprob'] = Number(tokenStats(r.tokens).sumLogprob.toFixed(4));
  const result: ReaderResult = { candidates: [candidate], entropy: stats.meanEntropy, normalizedEntropy: stats.meanNormalizedEntropy };
  if (r.finishReason === 'length') {
    // Cut off at maxTokens: the tokens written were likely, but the answer is unfinished ("its height is"), or its
    // final line may be cut mid-word. Their log-probabilities say nothing of that, so the answer is reported as of
    // unknown certainty (a coin flip against "some other answer", the most uncertain entropy, as the agent does
    // without log-probabilities): the pipeline abstains, keeping it as its best guess, and an ensemble weighs it least.
    attrs['truncated'] = true;
    candidate.prob = Math.min(candidate.prob, 0.5);
    result.normalizedEntropy = 1;
    result.entropy = Math.max(result.entropy, Math.LN2);
  }
  if (answer.final) result.generated = r.text.trim();
  return { result, attrs };
}

/** No passages, nothing to cite: no call to the model, no candidate; the pipeline abstains. */
function nothingToRead(): ReaderOutput {
  return { result: { candidates: [], entropy: 0, normalizedEntropy: 0 }, attrs: { skipped: 'no passages' } };
}
