import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers';
import { RagError } from '../core/errors.js';
import type { RunContext } from '../core/run-context.js';
import type { ScoredChunk } from '../core/types.js';
import { encodeBatch } from '../models/encoder-batch.js';
import { floatData, loadLocalModel, localModelStatus, outputTensor, roundMs, type LocalModel, type LocalModelOptions } from '../models/local-model.js';
import type { ModelComponent, ModelStatus } from '../models/model-status.js';
import { passageText } from './passage-text.js';
import { Reranker, type RerankerFallback } from './reranker.js';

export interface CrossEncoderOptions extends LocalModelOptions {
  /** Query–passage pairs per model call. */
  batchSize: number;
  /** Scores as sigmoid(logit) in (0, 1) rather than raw logits; the order is the same. */
  sigmoid: boolean;
  /** Keep the retrieval order, flagged degraded, when the model fails (`rerankers.<name>.fallback`). */
  fallback?: RerankerFallback;
}

/**
 * A cross-encoder reranker (BGE-reranker layout: a sequence-classification model with one logit per query–passage
 * pair) on a local ONNX model through transformers.js. All candidates of a request go through the model together,
 * in as few calls as `batchSize` allows, each call a `model.<name>` span in the trace (its `onnxMs` is the ONNX
 * Runtime call alone, the rest tokenizing and padding); a chunk's score is the model's logit for (query, passage).
 */
export class CrossEncoderReranker extends Reranker implements ModelComponent {
  private loaded: LocalModel | null = null;

  constructor(
    readonly name: string,
    private readonly options: CrossEncoderOptions,
  ) {
    super();
  }

  protected override get fallback(): RerankerFallback | undefined {
    return this.options.fallback;
  }

  private get role(): string {
    return `reranker.${this.name}`;
  }

  async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = await loadLocalModel(this.role, 'sequence-classification', this.options, async ({ tokenizer, model, maxLength }) => {
      await this.score(tokenizer, model, maxLength, 'warm-up', ['warm-up']);
    });
  }

  status(): ModelStatus {
    return localModelStatus(this.role, this.model(), this.options);
  }

  async dispose(): Promise<void> {
    const m = this.loaded;
    this.loaded = null;
    await m?.model.dispose();
  }

  protected async doRerank(query: string, chunks: ScoredChunk[], options: { k: number }, ctx: RunContext): Promise<ScoredChunk[]> {
    const m = this.model();
    if (chunks.length === 0) return [];
    const scores: number[] = [];
    for (let start = 0; start < chunks.length; start += this.options.batchSize) {
      const passages = chunks.slice(start, start + this.options.batchSize).map(passageText);
      const r = await ctx.span(`model.${this.name}`, () => this.score(m.tokenizer, m.model, m.maxLength, query, passages), (r) => ({
        pairs: passages.length,
        tokens: r.tokens,
        seq: r.seqLength,
        onnxMs: r.onnxMs,
      }));
      scores.push(...r.scores);
    }
    return chunks
      .map((c, i) => ({ ...c, score: scores[i] ?? Number.NEGATIVE_INFINITY, source: this.name }))
      .sort((a, b) => b.score - a.score)
      .slice(0, options.k);
  }

  /** One model call over (query, passage) pairs: a score per passage. */
  private async score(
    tokenizer: PreTrainedTokenizer,
    model: PreTrainedModel,
    maxLength: number,
    query: string,
    passages: string[],
  ): Promise<{ scores: number[]; tokens: number; seqLength: number; onnxMs: number }> {
    const batch = encodeBatch(tokenizer, passages.map(() => query), passages, maxLength);
    const started = performance.now();
    const outputs: unknown = await model(batch.inputs);
    const onnxMs = roundMs(performance.now() - started);
    const logits = outputTensor(outputs, ['logits'], `${this.role} (${this.options.modelPath})`);
    const labels = logits.dims[1] ?? 1;
    if (logits.dims.length !== 2 || labels !== 1) {
      throw new RagError('CONFIG', `${this.role}: ${this.options.modelPath} gives logits [${logits.dims.join(', ')}]; a cross-encoder reranker needs one logit per pair`);
    }
    const data = floatData(logits);
    const scores = Array.from(data, (x) => (this.options.sigmoid ? 1 / (1 + Math.exp(-x)) : x));
    return { scores, tokens: batch.tokens, seqLength: batch.seqLength, onnxMs };
  }

  private model(): LocalModel {
    if (!this.loaded) throw new RagError('UNAVAILABLE', `${this.role}: the model is not loaded (Rag.init() loads it at start-up)`);
    return this.loaded;
  }
}
