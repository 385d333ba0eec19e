import { analyze, words } from '../../src/core/analyzer.js';
import type { RunContext } from '../../src/core/run-context.js';
import { Embedder } from '../../src/models/embedder.js';

/**
 * A real, deterministic embedder for tests: feature hashing of a bag of words. Each analysed word (as BM25 sees
 * it: normalised, stop words dropped, stemmed; all words when only stop words are left) goes to a bucket chosen by its FNV-1a hash, with a sign from another hash bit so collisions cancel on
 * average; the vector is L2-normalised. Texts that share words have a high cosine similarity, which is what the
 * store, retriever and fusion paths need to be tested with; no model is involved.
 */
export class HashingEmbedder extends Embedder {
  readonly name: string;
  readonly dimensions: number;
  /** Texts embedded, in calls: lets a test see what was embedded and how it was batched. */
  readonly calls: Array<{ kind: 'query' | 'passage'; texts: string[] }> = [];
  loads = 0;

  constructor(options: { dimensions?: number; name?: string } = {}) {
    super();
    this.dimensions = options.dimensions ?? 256;
    this.name = options.name ?? `test/feature-hashing-${this.dimensions}`;
  }

  async load(): Promise<void> {
    this.loads++;
  }

  protected async doEmbed(texts: string[], kind: 'query' | 'passage', ctx: RunContext): Promise<Float32Array[]> {
    ctx.check(`embed.${this.name}`);
    this.calls.push({ kind, texts: [...texts] });
    return texts.map((text) => this.vectorOf(text));
  }

  /** The vector of one text; public so tests can compute expected similarities. */
  vectorOf(text: string): Float32Array {
    const v = new Float32Array(this.dimensions);
    const terms = analyze(text);
    for (const term of terms.length > 0 ? terms : words(text)) {
      const h = fnv1a(term);
      v[h % this.dimensions] = (v[h % this.dimensions] ?? 0) + ((h >>> 31) & 1 ? -1 : 1);
    }
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm);
    // An empty text still gets a unit vector, so cosine similarity stays defined (OpenSearch's k-NN needs it).
    if (norm === 0) v[0] = 1;
    else for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / norm;
    return v;
  }
}

/** An embedder that works for `okCalls` passage calls, then throws: a model server that goes down mid-batch. */
export class FailingEmbedder extends HashingEmbedder {
  private passageCalls = 0;

  constructor(
    private readonly okCalls: number,
    options: { dimensions?: number; name?: string } = {},
  ) {
    super(options);
  }

  protected override async doEmbed(texts: string[], kind: 'query' | 'passage', ctx: RunContext): Promise<Float32Array[]> {
    if (kind === 'passage' && ++this.passageCalls > this.okCalls) throw new Error('connection refused (embedding server down)');
    return super.doEmbed(texts, kind, ctx);
  }
}

/** 32-bit FNV-1a over UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
