import { isAbsolute } from 'node:path';
import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers';
import { RagError } from '../core/errors.js';
import type { RunContext } from '../core/run-context.js';
import { Embedder } from './embedder.js';
import { encodeBatch } from './encoder-batch.js';
import { floatData, loadLocalModel, localModelStatus, outputTensor, roundMs, type LocalModel, type LocalModelOptions } from './local-model.js';
import { onnxFingerprint } from './model-fingerprint.js';
import type { ModelComponent, ModelStatus } from './model-status.js';
import { poolTokens, type Pooling } from './pooling.js';

export interface TransformersEmbedderOptions extends LocalModelOptions {
  pooling: Pooling;
  normalize: boolean;
  queryPrefix: string;
  passagePrefix: string;
  /** Texts per model call. */
  batchSize: number;
}

/** Output names of token states in the exports transformers.js and sentence-transformers produce. */
const TOKEN_STATES = ['last_hidden_state', 'token_embeddings', 'logits'];

/**
 * Embeddings from a local ONNX encoder through transformers.js (feature extraction): prefix, tokenize (truncated
 * to maxLength, special tokens kept), run in batches, pool (mean over real tokens, or [CLS]), L2-normalise.
 * Texts are batched by length so short ones do not pay for a long one's padding; each model call is a
 * `model.embeddings` span in the trace, whose `onnxMs` is the ONNX Runtime call alone (the rest of the span is
 * tokenizing, padding and pooling).
 */
export class TransformersEmbedder extends Embedder implements ModelComponent {
  readonly name = 'local';
  private loaded: LocalModel | null = null;
  private dims = 0;
  private id = '';

  constructor(
    private readonly options: TransformersEmbedderOptions,
    private readonly role = 'embeddings',
  ) {
    super();
  }

  get dimensions(): number {
    return this.dims;
  }

  /**
   * The weights actually loaded (a digest of the ONNX file(s) for the dtype), the dtype and the pooling: what makes
   * the vectors. Not the path, so a moved folder still matches its store; a Hub model is named by its id.
   */
  override get identity(): string {
    if (!this.id) throw new RagError('UNAVAILABLE', `${this.role}: the model is not loaded, so its identity is unknown`);
    return this.id;
  }

  override get source(): string | undefined {
    return this.loaded?.source;
  }

  async load(): Promise<void> {
    if (this.loaded) return;
    const loaded = await loadLocalModel(this.role, 'encoder', this.options, async ({ tokenizer, model, maxLength }) => {
      const [vector] = (await this.forward(tokenizer, model, maxLength, ['warm-up'])).vectors;
      this.dims = vector?.length ?? 0;
    });
    let weights = `hub=${loaded.source}`;
    try {
      if (isAbsolute(loaded.source)) weights = `onnx-sha256=${await onnxFingerprint(loaded.source, this.options.dtype)}`;
    } catch (err) {
      await loaded.model.dispose();
      throw new RagError('CONFIG', `${this.role}: cannot read the weights of ${loaded.source}: ${(err as Error).message}`, undefined, { cause: err });
    }
    this.id = `local:${weights},dtype=${this.options.dtype},pooling=${this.options.pooling}`;
    this.loaded = loaded;
  }

  status(): ModelStatus {
    return { ...localModelStatus(this.role, this.model(), this.options), dimensions: this.dims };
  }

  async dispose(): Promise<void> {
    const m = this.loaded;
    this.loaded = null;
    await m?.model.dispose();
  }

  protected async doEmbed(texts: string[], kind: 'query' | 'passage', ctx: RunContext): Promise<Float32Array[]> {
    const m = this.model();
    const prefix = kind === 'query' ? this.options.queryPrefix : this.options.passagePrefix;
    const order = texts.map((_, i) => i).sort((a, b) => (texts[b]?.length ?? 0) - (texts[a]?.length ?? 0));
    const out = new Array<Float32Array>(texts.length);
    for (let start = 0; start < order.length; start += this.options.batchSize) {
      const ids = order.slice(start, start + this.options.batchSize);
      const batch = ids.map((i) => prefix + (texts[i] ?? ''));
      const r = await ctx.span('model.embeddings', () => this.forward(m.tokenizer, m.model, m.maxLength, batch), (r) => ({
        batch: batch.length,
        tokens: r.tokens,
        seq: r.seqLength,
        onnxMs: r.onnxMs,
      }));
      ids.forEach((textIndex, j) => {
        const v = r.vectors[j];
        if (v) out[textIndex] = v;
      });
    }
    return out;
  }

  private async forward(
    tokenizer: PreTrainedTokenizer,
    model: PreTrainedModel,
    maxLength: number,
    texts: string[],
  ): Promise<{ vectors: Float32Array[]; tokens: number; seqLength: number; onnxMs: number }> {
    const batch = encodeBatch(tokenizer, texts, null, maxLength);
    const started = performance.now();
    const outputs: unknown = await model(batch.inputs);
    const onnxMs = roundMs(performance.now() - started);
    const states = outputTensor(outputs, TOKEN_STATES, `${this.role} (${this.options.modelPath})`);
    if (states.dims.length !== 3) {
      throw new RagError('CONFIG', `${this.role}: ${this.options.modelPath} gives ${states.dims.length}-d outputs, not token states [batch, seq, hidden]`);
    }
    const vectors = poolTokens(floatData(states), states.dims, batch.mask, this.options.pooling, this.options.normalize);
    return { vectors, tokens: batch.tokens, seqLength: batch.seqLength, onnxMs };
  }

  private model(): LocalModel {
    if (!this.loaded) throw new RagError('UNAVAILABLE', `${this.role}: the model is not loaded (Rag.init() loads it at start-up)`);
    return this.loaded;
  }
}
