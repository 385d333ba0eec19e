import { RagError, isRagError } from '../core/errors.js';
import { RunContext } from '../core/run-context.js';
import type { Embedder } from '../models/embedder.js';
import { spaceOf, type EmbeddingSpace } from './embedding-space.js';
import { checkLegacySpace, type LegacyTakeover } from './legacy-space-check.js';
import type { IndexableChunk, SqliteStore } from './sqlite-store.js';
import { passageText } from './passage-text.js';
import { passageVectors } from './passage-vectors.js';

export interface BackfillOptions {
  /** Chunks per write transaction: an interrupted backfill keeps what it wrote and resumes from there. */
  batchSize: number;
  /** Chunks per embedder call. */
  embedBatchSize: number;
  /** Drop every vector first and recompute all of them (after a change of embedding model). */
  rebuild?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface BackfillResult {
  space: EmbeddingSpace;
  /** Chunks that lacked a vector when the backfill started. */
  missing: number;
  /** Vectors written. */
  written: number;
  chunks: number;
  /** The legacy record (the embedder's kind alone) that this embedder's identity replaced after checking it, if any. */
  upgradedFrom?: LegacyTakeover;
}

/**
 * A failed or interrupted backfill keeps the batches it committed: the error says how many, and `details.written`
 * carries the number for the CLI's summary.
 */
function keptSoFar(err: unknown, written: number): unknown {
  if (!isRagError(err)) return err;
  const kept = err.code === 'ABORTED' ? '' : `; the ${written} vectors stored before it are kept: run \`rag reindex --vectors\` again to resume`;
  return new RagError(err.code, `${err.message}${kept}`, { ...err.details, written }, { cause: err });
}

/** Rows read per page while looking for chunks without a vector. */
const PAGE = 2000;

/**
 * Computes the vectors that chunks lack (`rag reindex --vectors`): stores that predate the embedder, an
 * interrupted backfill, or, with `rebuild`, a change of model. Works in batches, each its own transaction.
 */
export async function backfillVectors(store: SqliteStore, embedder: Embedder, options: BackfillOptions, ctx = new RunContext()): Promise<BackfillResult> {
  const space = spaceOf(embedder);
  if (options.rebuild) store.dropVectors();
  // A legacy record whose vectors another model made is refused here too: filling the rest with this model would mix them.
  const upgradedFrom = await checkLegacySpace(store, embedder, ctx);

  const have = store.vectorRowids();
  const missing = Math.max(0, store.counts().chunks - have.size);
  let written = 0;
  let done = 0;
  options.onProgress?.(0, missing);
  const flush = async (pending: IndexableChunk[]): Promise<void> => {
    let vectors: Float32Array[];
    try {
      ctx.check('reindex');
      vectors = await passageVectors(embedder, pending.map(passageText), options.embedBatchSize, ctx, { offset: done, total: Math.max(missing, done + pending.length) });
    } catch (err) {
      throw keptSoFar(err, written);
    }
    written += store.addVectors(
      pending.map((chunk, i) => ({ rowid: chunk.rowid, vector: vectors[i] as Float32Array })),
      space,
    );
    done += pending.length;
    options.onProgress?.(done, Math.max(missing, done));
  };

  let pending: IndexableChunk[] = [];
  for (let after = 0; ; ) {
    try {
      ctx.check('reindex');
    } catch (err) {
      throw keptSoFar(err, written);
    }
    const page = store.chunksAfter(after, PAGE);
    if (page.length === 0) break;
    after = page[page.length - 1]?.rowid ?? after;
    for (const chunk of page) {
      if (have.has(chunk.rowid)) continue;
      pending.push(chunk);
      if (pending.length >= options.batchSize) {
        await flush(pending);
        pending = [];
      }
    }
  }
  if (pending.length > 0) await flush(pending);
  return { space, missing, written, chunks: store.counts().chunks, ...(upgradedFrom ? { upgradedFrom } : {}) };
}
