import { RagError } from '../core/errors.js';
import { postJson, type PostJsonOptions } from '../core/http-json.js';
import { mapConcurrent } from '../core/map-concurrent.js';
import { RunContext } from '../core/run-context.js';
import type { ScoredChunk } from '../core/types.js';
import { ProbeCache, type ModelProbe } from '../models/model-probe.js';
import type { HttpModelOptions } from '../models/http-model-options.js';
import type { ModelComponent, ModelStatus } from '../models/model-status.js';
import { passageText } from './passage-text.js';
import { Reranker, type RerankerFallback } from './reranker.js';

export interface HttpRerankerOptions extends HttpModelOptions {
  /** Server base URL. */
  url: string;
  /** "tei": POST {url}/rerank {query, texts} -> [{index, score}]. "cohere" (Cohere, Jina, vLLM):
   *  POST {url}/v1/rerank {query, documents, top_n} -> {results: [{index, relevance_score}]}. */
  api: 'tei' | 'cohere';
  /** Keep the retrieval order, flagged degraded, when the model fails (`rerankers.<name>.fallback`). */
  fallback?: RerankerFallback;
}

/**
 * A reranker served over HTTP (a cross-encoder on TEI, Cohere's or Jina's API, vLLM's score endpoint). Candidates go
 * in batches of `batchSize`, `concurrency` requests at a time, each a `model.<name>` span; `load()` scores one
 * pair so a server that is down or speaks another API stops the start.
 */
export class HttpReranker extends Reranker implements ModelComponent {
  private readonly endpoint: string;
  private loadMs = -1;
  private readonly probes = new ProbeCache();

  constructor(
    readonly name: string,
    private readonly options: HttpRerankerOptions,
  ) {
    super();
    this.endpoint = `${options.url.replace(/\/+$/, '')}${options.api === 'tei' ? '/rerank' : '/v1/rerank'}`;
  }

  protected override get fallback(): RerankerFallback | undefined {
    return this.options.fallback;
  }

  private get role(): string {
    return `reranker.${this.name}`;
  }

  async load(): Promise<void> {
    if (this.loadMs >= 0) return;
    const started = performance.now();
    try {
      await this.request('warm-up', ['warm-up'], new RunContext());
    } catch (err) {
      throw new RagError('CONFIG', `${this.role}: the rerank server is not usable: ${(err as Error).message}`, { url: this.endpoint }, { cause: err });
    }
    this.loadMs = Math.round(performance.now() - started);
  }

  status(): ModelStatus {
    if (this.loadMs < 0) throw new RagError('UNAVAILABLE', `${this.role}: not loaded`);
    const s: ModelStatus = { role: this.role, kind: 'http', source: this.endpoint, loadMs: this.loadMs };
    if (this.options.model !== undefined) s.model = this.options.model;
    return s;
  }

  /** Scores one pair without retries: a server that went down after the start is seen by /readyz. */
  async probe(timeoutMs: number): Promise<ModelProbe> {
    return this.probes.check(async () => {
      await this.request('readyz', ['readyz'], new RunContext(), timeoutMs);
      return { reachable: true };
    });
  }

  async dispose(): Promise<void> {
    // Nothing is held between requests.
  }

  protected async doRerank(query: string, chunks: ScoredChunk[], options: { k: number }, ctx: RunContext): Promise<ScoredChunk[]> {
    if (this.loadMs < 0) throw new RagError('UNAVAILABLE', `${this.role}: not loaded (Rag.init() checks the server at start-up)`);
    if (chunks.length === 0) return [];
    const batches: string[][] = [];
    for (let i = 0; i < chunks.length; i += this.options.batchSize) batches.push(chunks.slice(i, i + this.options.batchSize).map(passageText));
    const scores = (
      await mapConcurrent(batches, this.options.concurrency, (batch) =>
        ctx.span(`model.${this.name}`, () => this.request(query, batch, ctx), () => ({ pairs: batch.length })),
      )
    ).flat();
    return chunks
      .map((c, i) => ({ ...c, score: scores[i] ?? Number.NEGATIVE_INFINITY, source: this.name }))
      .sort((a, b) => b.score - a.score)
      .slice(0, options.k);
  }

  /** Scores of `passages` against `query`, in the passages' order; with `probeTimeoutMs`, one attempt of that limit (/readyz). */
  private async request(query: string, passages: string[], ctx: RunContext, probeTimeoutMs?: number): Promise<number[]> {
    const body: Record<string, unknown> =
      this.options.api === 'tei' ? { query, texts: passages, truncate: true } : { query, documents: passages, top_n: passages.length };
    if (this.options.model !== undefined) body['model'] = this.options.model;
    const { timeoutMs, maxRetries, retryBaseMs, retryMaxMs } = this.options;
    const retry = { maxRetries, baseMs: retryBaseMs, maxMs: retryMaxMs, setting: `rerankers.${this.name}` };
    const post: PostJsonOptions = probeTimeoutMs !== undefined ? { what: 'rerank server', timeoutMs: probeTimeoutMs } : { what: 'rerank server', timeoutMs, ctx, retry };
    if (this.options.apiKey) post.apiKey = this.options.apiKey;
    const answer = await postJson(this.endpoint, body, post);
    return this.parse(answer, passages.length);
  }

  private parse(answer: unknown, expected: number): number[] {
    const bad = (why: string): RagError => new RagError('UNAVAILABLE', `rerank server at ${this.endpoint} gave an unusable answer: ${why}`, { url: this.endpoint });
    const tei = this.options.api === 'tei';
    const list: unknown = tei ? answer : typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>)['results'] : undefined;
    if (!Array.isArray(list)) throw bad(tei ? 'not a list of {index, score}' : 'no "results" list');
    const scoreKey = tei ? 'score' : 'relevance_score';
    const scores = new Array<number>(expected).fill(Number.NaN);
    for (const item of list as unknown[]) {
      const row = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
      const index = row['index'];
      const score = row[scoreKey];
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= expected) throw bad(`an item with index ${String(index)}`);
      if (typeof score !== 'number' || !Number.isFinite(score)) throw bad(`item ${index} has no numeric "${scoreKey}"`);
      scores[index] = score;
    }
    const missing = scores.filter((s) => Number.isNaN(s)).length;
    if (missing > 0) throw bad(`${missing} of ${expected} passages got no score`);
    return scores;
  }
}
