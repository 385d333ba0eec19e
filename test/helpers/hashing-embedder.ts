import { analyze } from '../../src/core/analyzer.js';
import type { RunContext } from '../../src/core/run-context.js';
import { Embedder } from '../../src/models/embedder.js';

/** FNV-1a, 32 bits: a fast, stable hash of a term. */
function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A deterministic embedder for tests: feature hashing of the text's analysed terms (stemmed, stop words out)
 * into `dimensions` buckets with a hashed sign, log-scaled counts, L2-normalised. Texts that share terms point
 * the same way, so k-NN behaves like a bag-of-words retriever: a real model's role, with no model.
 */
export class HashingEmbedder extends Embedder {
  readonly name = 'hashing';

  constructor(readonly dimensions = 128) {
    super();
  }

  async load(): Promise<void> {
    // Nothing to load: the "model" is the hash function.
  }

  embed(text: string): Float32Array {
    const counts = new Map<string, number>();
    for (const term of analyze(text)) counts.set(term, (counts.get(term) ?? 0) + 1);
    const v = new Float32Array(this.dimensions);
    for (const [term, n] of counts) {
      const h = fnv1a(term);
      v[h % this.dimensions]! += (fnv1a(term, 0x9747b28c) & 1 ? 1 : -1) * (1 + Math.log(n));
    }
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm);
    // An empty text still gets a unit vector, so cosine similarity stays defined.
    if (norm === 0) v[0] = 1;
    else for (let i = 0; i < v.length; i++) v[i]! /= norm;
    return v;
  }

  protected async doEmbed(texts: string[], _kind: 'query' | 'passage', ctx: RunContext): Promise<Float32Array[]> {
    ctx.check('embed');
    return texts.map((t) => this.embed(t));
  }
}
