import { RagError } from '../core/errors.js';
import type { Embedder } from '../models/embedder.js';

/**
 * The vector space a store's chunk vectors live in: the embedding model that made them and their length. Vectors
 * of two models are not comparable, so a store holds one space, recorded in its meta table.
 */
export interface EmbeddingSpace {
  /** The embedder's identity (`Embedder.identity`): e.g. a digest of a local model's weights, or an endpoint and model. */
  model: string;
  dimensions: number;
  /** Where the model came from (folder, endpoint), for messages only: not compared. */
  source?: string;
}

/** The space of a loaded embedder; its `identity` names the model. */
export function spaceOf(embedder: Embedder): EmbeddingSpace {
  const { name, dimensions } = embedder;
  if (!Number.isInteger(dimensions) || dimensions <= 0) {
    throw new RagError('CONFIG', `embedder "${name}" reports ${String(dimensions)} dimensions: load it before use (Embedder.load())`);
  }
  const source = embedder.source;
  return { model: embedder.identity, dimensions, ...(source !== undefined ? { source } : {}) };
}

export const sameSpace = (a: EmbeddingSpace, b: EmbeddingSpace): boolean => a.model === b.model && a.dimensions === b.dimensions;

/**
 * Stores written before embedders had identities recorded only the embedder's kind ("local", "http"). Such a space
 * says nothing of the model beyond kind and dimension: one that matches those is taken over by the configured
 * identity once a sample of its vectors is reproduced by the configured embedder (`checkLegacySpace`).
 */
const LEGACY_MODELS = ['local', 'http'];

export const isLegacyOf = (recorded: EmbeddingSpace, space: EmbeddingSpace): boolean =>
  LEGACY_MODELS.includes(recorded.model) && space.model.startsWith(`${recorded.model}:`) && recorded.dimensions === space.dimensions;

export const describeSpace = (s: EmbeddingSpace): string => `"${s.model}" (${s.dimensions} dimensions${s.source !== undefined ? `, from ${s.source}` : ''})`;

/** The start-up error for a store whose vectors came from another model or dimension: names both, says how to fix. */
export function spaceMismatch(storePath: string, stored: EmbeddingSpace, configured: EmbeddingSpace): RagError {
  return new RagError(
    'CONFIG',
    `store ${storePath} holds vectors from embedding model ${describeSpace(stored)}, but the configured embedder is ${describeSpace(configured)}; ` +
      'vectors of different models cannot be compared. Recompute them with `rag reindex --vectors --rebuild`, ' +
      'or configure the original model, or point store.path at a new index',
    { stored: { ...stored }, configured: { ...configured } },
  );
}

/** A legacy space may be taken over only after its vectors were checked against the embedder (`checkLegacySpace`). */
export function legacyUnverified(storePath: string, recorded: EmbeddingSpace): RagError {
  return new RagError(
    'CONFIG',
    `store ${storePath} recorded its vectors' embedding model only as "${recorded.model}" (an older version): open it through Rag, which ` +
      'checks a sample of its vectors against the configured embedder before taking the record over, or recompute them with `rag reindex --vectors --rebuild`',
    { stored: { ...recorded } },
  );
}
