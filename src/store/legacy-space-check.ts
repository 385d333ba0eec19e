import { RagError } from '../core/errors.js';
import { RunContext } from '../core/run-context.js';
import type { Embedder } from '../models/embedder.js';
import { describeSpace, isLegacyOf, spaceOf, type EmbeddingSpace } from './embedding-space.js';
import { passageText } from './passage-text.js';
import { passageVectors } from './passage-vectors.js';
import type { SqliteStore } from './sqlite-store.js';

/** Stored chunks re-embedded to tell whether the configured model made a legacy store's vectors. */
export const LEGACY_SAMPLE_SIZE = 3;

/**
 * The cosine a re-embedded chunk must reach against its stored vector. The same model on another runtime or
 * thread count drifts in the fourth decimal; another model of the same dimension lands far below.
 */
export const SAME_MODEL_COSINE = 0.99;

/** What the check of a legacy record found: the space it replaced, and how many sampled chunks matched. */
export interface LegacyTakeover {
  legacy: EmbeddingSpace;
  sampled: number;
  /** The lowest cosine among the sample; 1 when there was nothing to sample. */
  lowest: number;
}

/**
 * Checks the embedder's space against the store's before it is used (as `SqliteStore.checkSpace`). A record an
 * older version wrote (the embedder's kind alone) is checked for real: a few stored chunks, chosen the same way
 * every time, are embedded again and compared with their stored vectors. When every one matches, the store
 * records the configured identity from then on and the takeover is returned; when one does not, a CONFIG error
 * names the fix and the store is left as it was. A legacy store with no vectors is taken over as it is. Null when
 * there was no legacy record.
 */
export async function checkLegacySpace(store: SqliteStore, embedder: Embedder, ctx = new RunContext()): Promise<LegacyTakeover | null> {
  const space = spaceOf(embedder);
  const recorded = store.embeddingSpace();
  if (recorded === null || !isLegacyOf(recorded, space)) {
    store.checkSpace(space);
    return null;
  }
  const sample = store.vectorSample(LEGACY_SAMPLE_SIZE);
  const fresh = await passageVectors(embedder, sample.map((s) => passageText(s.chunk)), LEGACY_SAMPLE_SIZE, ctx);
  const cosines = sample.map((s, i) => cosine(s.vector, fresh[i] as Float32Array));
  const lowest = Math.min(1, ...cosines);
  if (lowest < SAME_MODEL_COSINE) {
    const off = cosines.filter((c) => c < SAME_MODEL_COSINE).length;
    throw new RagError(
      'CONFIG',
      `store ${store.path} recorded its vectors' embedding model only as "${recorded.model}" (an older version), and they were not made by the ` +
        `configured embedder ${describeSpace(space)}: ${off} of ${sample.length} sampled chunks embedded again differ from their stored vectors ` +
        `(cosine ${lowest.toFixed(3)}, below ${SAME_MODEL_COSINE}). Recompute them with \`rag reindex --vectors --rebuild\`, ` +
        'or configure the model that made them',
      { stored: { ...recorded }, configured: { ...space }, sampled: sample.length, lowest },
    );
  }
  const legacy = store.checkSpace(space, { legacyVerified: true });
  return legacy === null ? null : { legacy, sampled: sample.length, lowest };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
