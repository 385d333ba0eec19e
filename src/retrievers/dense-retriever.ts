import { RagError, isRagError } from '../core/errors.js';
import type { RunContext } from '../core/run-context.js';
import type { RetrieveOptions, ScoredChunk } from '../core/types.js';
import type { Embedder } from '../models/embedder.js';
import { spaceOf } from '../store/embedding-space.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import { Retriever } from './retriever.js';

/**
 * Dense retrieval over the embedded store: the query is embedded (as a query, so models with query/passage
 * prefixes get theirs) and the k nearest chunk vectors are found by exact k-NN. Scores are cosine similarities.
 * Metadata filters admit exactly the chunks BM25's filters admit.
 */
export class DenseRetriever extends Retriever {
  readonly name = 'dense';

  constructor(
    private readonly store: SqliteStore,
    private readonly embedder: Embedder,
  ) {
    super();
  }

  protected async doRetrieve(query: string, options: RetrieveOptions, ctx: RunContext): Promise<ScoredChunk[]> {
    // Vectors another process rebuilt with another model, or dropped, since start-up: 503 saying so, not a ranking
    // of another model's vectors (or none) answered as if it were one.
    const problem = this.store.vectorProblem(spaceOf(this.embedder));
    if (problem !== null) throw new RagError('UNAVAILABLE', `dense retrieval is unavailable: ${problem}`);
    const vector = await this.embedQuery(query, ctx);
    ctx.check('retrieve.dense');
    const hits = this.store.nearestChunks(vector, options.k, options.filter);
    const similarity = new Map(hits.map((h) => [h.rowid, h.similarity]));
    return this.store
      .chunksByRowid(hits.map((h) => h.rowid))
      .map(({ rowid, ...chunk }) => ({ ...chunk, score: similarity.get(rowid) ?? 0, source: this.name }));
  }

  /** A failing embedder at query time is a dependency that is down: 503, naming it. */
  private async embedQuery(query: string, ctx: RunContext): Promise<Float32Array> {
    let vectors: Float32Array[];
    try {
      vectors = await this.embedder.embedQueries([query], ctx);
    } catch (err) {
      if (isRagError(err)) throw err;
      throw new RagError('UNAVAILABLE', `embedder "${this.embedder.name}" failed to embed the query: ${err instanceof Error ? err.message : String(err)}`, undefined, {
        cause: err,
      });
    }
    const vector = vectors[0];
    if (vectors.length !== 1 || vector === undefined) {
      throw new RagError('INTERNAL', `embedder "${this.embedder.name}" returned ${vectors.length} vectors for one query`);
    }
    // A zero or non-finite vector has no direction: searching with it would find nothing and look like an empty index.
    let sum = 0;
    for (const x of vector) sum += x * x;
    if (!(sum > 0) || !Number.isFinite(sum)) {
      throw new RagError('UNAVAILABLE', `embedder "${this.embedder.name}" returned a zero or non-finite vector for the query`);
    }
    return vector;
  }
}
