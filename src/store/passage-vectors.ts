import { RagError, isRagError } from '../core/errors.js';
import type { RunContext } from '../core/run-context.js';
import type { Embedder } from '../models/embedder.js';
import { spaceOf } from './embedding-space.js';

/**
 * Passage vectors for `texts`, `batchSize` at a time, each checked: as many as texts, of the embedder's length,
 * finite and non-zero. Any failure becomes a coded error naming the embedder and saying nothing was stored.
 * `place` puts the texts within a larger run (a backfill's batch among all the chunks it computes), so that chunk
 * numbers in messages count in the run, not in the batch.
 */
export async function passageVectors(
  embedder: Embedder,
  texts: string[],
  batchSize: number,
  ctx: RunContext,
  place: { offset: number; total: number } = { offset: 0, total: texts.length },
): Promise<Float32Array[]> {
  const { dimensions } = spaceOf(embedder);
  const { offset, total } = place;
  const out: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += batchSize) {
    const batch = texts.slice(start, start + batchSize);
    let vectors: Float32Array[];
    try {
      vectors = await embedder.embedPassages(batch, ctx);
    } catch (err) {
      if (isRagError(err) && (err.code === 'ABORTED' || err.code === 'DEADLINE_EXCEEDED')) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw new RagError(
        isRagError(err) ? err.code : 'UNAVAILABLE',
        `embedder "${embedder.name}" failed on chunks ${offset + start + 1}-${offset + start + batch.length} of ${total}: ${reason}; nothing of this batch was stored`,
        undefined,
        { cause: err },
      );
    }
    if (vectors.length !== batch.length) {
      throw new RagError('INTERNAL', `embedder "${embedder.name}" returned ${vectors.length} vectors for ${batch.length} texts; nothing of this batch was stored`);
    }
    for (const [i, v] of vectors.entries()) {
      const bad = v.length !== dimensions ? `${v.length} dimensions instead of ${dimensions}` : !isUsable(v) ? 'a zero or non-finite vector' : null;
      if (bad !== null) {
        throw new RagError('INTERNAL', `embedder "${embedder.name}" returned ${bad} for chunk ${offset + start + i + 1} of ${total}; nothing of this batch was stored`);
      }
      out.push(v);
    }
  }
  return out;
}

function isUsable(v: Float32Array): boolean {
  let sum = 0;
  for (const x of v) sum += x * x;
  return sum > 0 && Number.isFinite(sum);
}
