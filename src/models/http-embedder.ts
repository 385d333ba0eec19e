import { RagError } from '../core/errors.js';
import { DEFAULT_MAX_ANSWER_BYTES, postJson, type PostJsonOptions } from '../core/http-json.js';
import { mapConcurrent } from '../core/map-concurrent.js';
import { RunContext } from '../core/run-context.js';
import { Embedder } from './embedder.js';
import { ProbeCache, type ModelProbe } from './model-probe.js';
import type { ModelComponent, ModelStatus } from './model-status.js';
import { l2Normalize } from './pooling.js';
import type { HttpModelOptions } from './http-model-options.js';

export interface HttpEmbedderOptions extends HttpModelOptions {
  /** Base URL of an OpenAI-compatible API, e.g. http://localhost:8080/v1; requests go to {url}/embeddings. */
  url: string;
  queryPrefix: string;
  passagePrefix: string;
  normalize: boolean;
}

/**
 * Embeddings from a server with OpenAI's `POST /v1/embeddings` (OpenAI, TEI, vLLM, Ollama, llama.cpp): texts in
 * batches of `batchSize`, `concurrency` requests at a time, each a `model.embeddings` span. `load()` embeds one
 * text, so a server that is down or misconfigured stops the start, and learns the vector length.
 */
export class HttpEmbedder extends Embedder implements ModelComponent {
  readonly name = 'http';
  private readonly endpoint: string;
  private dims = 0;
  private loadMs = -1;
  private readonly probes = new ProbeCache();

  constructor(
    private readonly options: HttpEmbedderOptions,
    private readonly role = 'embeddings',
  ) {
    super();
    this.endpoint = `${options.url.replace(/\/+$/, '')}/embeddings`;
  }

  get dimensions(): number {
    return this.dims;
  }

  /** The endpoint and the model asked for: what makes the vectors. */
  override get identity(): string {
    return `http:${this.source}#model=${this.options.model ?? '(server default)'}`;
  }

  /** The endpoint's origin and path: no credentials or query, which the store and messages must not keep. */
  override get source(): string {
    const u = new URL(this.endpoint);
    return `${u.origin}${u.pathname}`;
  }

  async load(): Promise<void> {
    if (this.loadMs >= 0) return;
    const started = performance.now();
    try {
      const [vector] = await this.request(['warm-up'], new RunContext());
      this.dims = vector?.length ?? 0;
    } catch (err) {
      throw new RagError('CONFIG', `${this.role}: the embeddings server is not usable: ${(err as Error).message}`, { url: this.endpoint }, { cause: err });
    }
    this.loadMs = Math.round(performance.now() - started);
  }

  status(): ModelStatus {
    if (this.loadMs < 0) throw new RagError('UNAVAILABLE', `${this.role}: not loaded`);
    const s: ModelStatus = { role: this.role, kind: 'http', source: this.endpoint, dimensions: this.dims, loadMs: this.loadMs };
    if (this.options.model !== undefined) s.model = this.options.model;
    return s;
  }

  /** Embeds one short text without retries: a server that went down after the start is seen by /readyz. */
  async probe(timeoutMs: number): Promise<ModelProbe> {
    return this.probes.check(async () => {
      const post: PostJsonOptions = { what: 'embeddings server', timeoutMs };
      if (this.options.apiKey) post.apiKey = this.options.apiKey;
      const body: Record<string, unknown> = { input: ['readyz'], encoding_format: 'float' };
      if (this.options.model !== undefined) body['model'] = this.options.model;
      this.parse(await postJson(this.endpoint, body, post), 1);
      return { reachable: true };
    });
  }

  async dispose(): Promise<void> {
    // Nothing is held between requests.
  }

  protected async doEmbed(texts: string[], kind: 'query' | 'passage', ctx: RunContext): Promise<Float32Array[]> {
    if (this.loadMs < 0) throw new RagError('UNAVAILABLE', `${this.role}: not loaded (Rag.init() checks the server at start-up)`);
    const prefix = kind === 'query' ? this.options.queryPrefix : this.options.passagePrefix;
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += this.options.batchSize) batches.push(texts.slice(i, i + this.options.batchSize).map((t) => prefix + t));
    const results = await mapConcurrent(batches, this.options.concurrency, (batch) =>
      ctx.span('model.embeddings', () => this.request(batch, ctx), () => ({ batch: batch.length })),
    );
    return results.flat();
  }

  private async request(input: string[], ctx: RunContext): Promise<Float32Array[]> {
    const body: Record<string, unknown> = { input, encoding_format: 'float' };
    if (this.options.model !== undefined) body['model'] = this.options.model;
    const { timeoutMs, maxRetries, retryBaseMs, retryMaxMs } = this.options;
    const post: PostJsonOptions = {
      what: 'embeddings server',
      timeoutMs,
      ctx,
      retry: { maxRetries, baseMs: retryBaseMs, maxMs: retryMaxMs, setting: this.role },
      // A generous bound on what `input.length` vectors take as JSON (~25 bytes a number): more is no embedding.
      maxBytes: Math.max(DEFAULT_MAX_ANSWER_BYTES, input.length * (this.dims || 4096) * 64),
    };
    if (this.options.apiKey) post.apiKey = this.options.apiKey;
    const answer = await postJson(this.endpoint, body, post);
    return this.parse(answer, input.length);
  }

  /** `{data: [{index, embedding}]}`, one per input, in any order. */
  private parse(answer: unknown, expected: number): Float32Array[] {
    const bad = (why: string): RagError => new RagError('UNAVAILABLE', `embeddings server at ${this.endpoint} gave an unusable answer: ${why}`, { url: this.endpoint });
    const data: unknown = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>)['data'] : undefined;
    if (!Array.isArray(data)) throw bad('no "data" list');
    if (data.length !== expected) throw bad(`${data.length} embeddings for ${expected} texts`);
    const out = new Array<Float32Array>(expected);
    data.forEach((item: unknown, position) => {
      const row = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
      const index = typeof row['index'] === 'number' ? row['index'] : position;
      const embedding = row['embedding'];
      if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every((x) => typeof x === 'number')) throw bad(`item ${position} has no numeric "embedding"`);
      // JSON cannot spell NaN or Infinity, but 1e400 parses to Infinity; such a vector, or an all-zero one, has no direction.
      if (!embedding.every((x) => Number.isFinite(x))) throw bad(`item ${position} has a value that is not a finite number`);
      if (embedding.every((x) => x === 0)) throw bad(`item ${position} is a zero vector`);
      if (!Number.isInteger(index) || index < 0 || index >= expected || out[index] !== undefined) throw bad(`item ${position} has index ${String(index)}`);
      if (this.dims > 0 && embedding.length !== this.dims) throw bad(`a vector of ${embedding.length} dimensions, the model gave ${this.dims} at start-up`);
      const v = Float32Array.from(embedding as number[]);
      out[index] = this.options.normalize ? l2Normalize(v) : v;
    });
    return out;
  }
}
