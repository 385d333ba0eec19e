import { createHash } from 'node:crypto';
import type { Client } from '@opensearch-project/opensearch';
import type { Config, OpenSearchConfig } from '../core/config-schema.js';
import { RagError } from '../core/errors.js';
import { RunContext } from '../core/run-context.js';
import type { ScoredChunk } from '../core/types.js';
import type { Embedder } from '../models/embedder.js';
import { bulkWithBackoff, type BulkOperation } from './opensearch-bulk.js';
import { createOpenSearchClient } from './opensearch-client.js';
import { collectionMissing, openSearchErrorType, toRagError } from './opensearch-errors.js';
import { indexBody, indexTemplate, recordedEmbedding, VECTOR_FIELD, type IndexLayout } from './opensearch-index-template.js';
import { LEGACY_SAMPLE_SIZE, SAME_MODEL_COSINE } from './legacy-space-check.js';
import { passageText } from './passage-text.js';
import { passageVectors } from './passage-vectors.js';

import type { PreparedDocument } from './sqlite-store.js';

/** The longest a readiness check waits for the cluster. */
const READINESS_MS = 1500;

export interface OpenSearchStoreOptions {
  /** The collection's alias; its indices are <alias>.v<time>. */
  alias: string;
  layout: Omit<IndexLayout, 'vector'>;
  knn: OpenSearchConfig['knn'];
  bulk: OpenSearchConfig['bulk'];
  refresh: OpenSearchConfig['refresh'];
  requestTimeoutMs: number;
  /** Embeds chunks at write time (and defines the vector field); without one the collection is BM25 only. */
  embedder?: Embedder | null;
  /** Chunks per embedder call when documents come without their vectors (default 32). */
  embedBatchSize?: number;
}

/** The store of record, as a new collection is filled from it. */
export interface Refill {
  count(): number;
  documents(): Iterable<PreparedDocument[]>;
  /** Called once the new collection holds every document. */
  filled?: () => void;
  log?: (message: string) => void;
}

/** A document that was not stored, and why. */
export interface WriteFailure {
  id: string;
  status: number;
  reason: string;
  /** Some of its chunks were written before the failure: the previous version may be partly replaced; send it again. */
  partial: boolean;
}

export interface WriteOptions {
  refresh?: boolean | 'wait_for';
  /** The request the write is for: its deadline bounds every request to the cluster. */
  ctx?: RunContext;
  /**
   * The store of record's versions of these documents (those it has): given, a write that fails part-way puts
   * them back (and removes the new ones), so the index and the store agree again.
   */
  restore?: (ids: string[]) => PreparedDocument[];
}

export interface WriteResult {
  /** Documents stored whole. */
  documents: number;
  chunks: number;
  failed: WriteFailure[];
}

export interface Readiness {
  ready: boolean;
  reason?: string;
  documents?: number;
  chunks?: number;
  index?: string;
}

/** A chunk as indexed: one OpenSearch document per chunk. */
interface ChunkSource {
  id: string;
  docId: string;
  ord: number;
  chunkCount: number;
  title: string;
  headings: string;
  headingPath: string[];
  text: string;
  meta: Record<string, unknown>;
  [VECTOR_FIELD]?: number[];
}

/** The fields a search returns (never the vector). */
const HIT_FIELDS = ['id', 'docId', 'title', 'headingPath', 'text'];

/** Same chunk ids as the embedded store, so fallback hits and fused lists key alike. */
export const chunkId = (docId: string, ord: number): string => `${docId}#${ord}`;

/** OpenSearch ids are at most 512 bytes: longer chunk ids are stored under their hash. */
export function openSearchId(id: string): string {
  return Buffer.byteLength(id) <= 512 ? id : `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

/**
 * A collection of chunks in OpenSearch behind an alias: created from an index template on first use, written in
 * bulk (429s retried with backoff, failures reported per document), rebuilt into a fresh index and switched over
 * atomically, searched by the retrievers through `search`. Client failures become coded errors (UNAVAILABLE ->
 * 503 with the reason); the client reconnects by itself when the cluster is back.
 */
export class OpenSearchStore {
  readonly alias: string;
  private ready: Promise<{ created: boolean; index: string }> | null = null;
  /** A set-up (and fill) is running: a request that finds the collection gone meanwhile must not start another. */
  private settingUp = false;
  /** The index a running rebuild fills: writes meanwhile go to it too, so the switch loses nothing. */
  private rebuilding: string | null = null;
  /**
   * What was written (or deleted: null) during the running rebuild, newest version per id: replayed on the new
   * index after the copy, in case the copy overwrote one of them with the version it had read earlier.
   */
  private rebuildLog = new Map<string, PreparedDocument | null>();
  /** Where a collection created while running gets its documents from (the store of record); none: it starts empty. */
  private refill: Refill | null = null;
  /** Documents copied so far while a new collection is filled from the store; null when not filling. */
  private filling: { done: number; total: number } | null = null;

  constructor(
    readonly client: Client,
    private readonly options: OpenSearchStoreOptions,
  ) {
    this.alias = options.alias;
  }

  /** The store the configuration describes (connection, collection alias, index layout, bulk and refresh). */
  static fromConfig(config: Config, options: { embedder?: Embedder | null; alias?: string } = {}): OpenSearchStore {
    const os = config.opensearch;
    return new OpenSearchStore(createOpenSearchClient(os), {
      alias: options.alias ?? os.index,
      layout: { shards: os.shards, replicas: os.replicas, refreshInterval: os.refreshInterval, bm25: { k1: config.retrieval.bm25.k1, b: config.retrieval.bm25.b } },
      knn: os.knn,
      bulk: os.bulk,
      refresh: os.refresh,
      requestTimeoutMs: os.requestTimeoutMs,
      embedder: options.embedder ?? null,
      embedBatchSize: config.retrieval.dense.embedBatchSize,
    });
  }

  get embedder(): Embedder | null {
    return this.options.embedder ?? null;
  }

  /**
   * Makes sure the template, an index and the alias exist (creating them the first time) and that the index
   * fits the embedder. Succeeds once per store; a failure is retried by the next call.
   */
  ensureCollection(): Promise<{ created: boolean; index: string }> {
    if (this.ready === null) {
      this.settingUp = true;
      this.ready = this.setUp()
        .then(async (collection) => {
          if (collection.created && this.refill) await this.fill(collection.index, this.refill);
          return collection;
        })
        .catch((err: unknown) => {
          this.ready = null;
          throw toRagError(err, `set-up of collection ${this.alias}`);
        })
        .finally(() => {
          this.settingUp = false;
        });
    }
    return this.ready;
  }

  /**
   * Fills every collection this store creates (at start-up, or again while running: the index was deleted, the
   * cluster lost its data) from `refill.documents()` before it is used, so a recreated collection never answers
   * from an empty index while the store has documents.
   */
  refillFrom(refill: Refill): void {
    this.refill = refill;
  }

  /** Copies the store of record into a collection just created; until done, searches are refused (UNAVAILABLE). */
  private async fill(index: string, refill: Refill): Promise<void> {
    const total = refill.count();
    if (total === 0) return;
    refill.log?.(`new OpenSearch index ${index}: indexing the store's ${total} documents`);
    this.filling = { done: 0, total };
    try {
      for (const batch of refill.documents()) {
        for (const group of groupByChunks(batch, this.options.bulk.batchSize)) {
          await this.writeGroup(this.alias, group, await this.sourcesOf(group, new RunContext()), false);
          this.filling.done += group.length;
        }
      }
      await this.client.indices.refresh({ index: this.alias });
      refill.filled?.();
    } catch (err) {
      // A half-filled index would be found next time and used as it is: drop it, so the next call starts again.
      await this.client.indices.delete({ index }).catch(() => undefined);
      throw err;
    } finally {
      this.filling = null;
    }
  }

  /** Why searches must wait: the collection is being filled from the store. */
  private fillingReason(): string | null {
    const f = this.filling;
    return f ? `OpenSearch collection ${this.alias} was created again and is being filled from the store (${f.done} of ${f.total} documents)` : null;
  }

  /**
   * Writes prepared documents (upsert by id): bulk requests of about `bulk.batchSize` chunks. A document is
   * reported as failed when any of its chunks failed; the others are stored whole, and a replaced document
   * with fewer chunks than before loses the rest. With an embedder, chunks are embedded first.
   */
  async write(documents: readonly PreparedDocument[], options: WriteOptions = {}): Promise<WriteResult> {
    await this.ensureCollection();
    const ctx = options.ctx ?? new RunContext();
    const refresh = options.refresh ?? this.options.refresh;
    const result: WriteResult = { documents: 0, chunks: 0, failed: [] };
    const groups = groupByChunks(documents, this.options.bulk.batchSize);
    let sent = false;
    try {
      for (const [g, group] of groups.entries()) {
        ctx.check('opensearch write');
        const sources = await this.sourcesOf(group, ctx);
        const failed = new Map<string, WriteFailure>();
        const targets = [this.alias, ...(this.rebuilding ? [this.rebuilding] : [])];
        for (const target of targets) {
          // Only the last request to the alias waits for (or forces) the refresh: it covers everything before it.
          const last = g === groups.length - 1 && target === this.alias;
          const failures = await this.writeGroup(target, group, sources, last ? refresh : false, ctx, () => {
            sent = true;
          });
          for (const f of failures) if (!failed.has(f.id)) failed.set(f.id, f);
        }
        for (const doc of group) {
          if (!failed.has(doc.id)) {
            result.documents++;
            result.chunks += doc.chunks.length;
            if (this.rebuilding) this.rebuildLog.set(doc.id, doc);
          }
        }
        result.failed.push(...failed.values());
      }
    } catch (err) {
      const failure = toRagError(err, `bulk write to ${this.alias}`);
      // Before the first bulk request nothing can have been written; after it, any group may have been (even the
      // one whose request failed: a timed-out request may still be applied).
      if (!sent || !options.restore) throw failure;
      throw await this.takeBack(documents, options.restore, failure);
    }
    return result;
  }

  /**
   * After a write failed part-way (or the store of record refused a batch the index took): puts back, in every index written to, what `restore` says the store of record
   * holds for the batch's documents (their stored version, or nothing for a new one), within a budget of its own
   * (the request's deadline may have passed). Returns the error to answer with: the original one, saying the
   * batch was taken back, or, when that failed too, that the index may disagree with the store until it is
   * rebuilt (details.indexMismatch holds why).
   */
  async takeBack(documents: readonly PreparedDocument[], restore: (ids: string[]) => PreparedDocument[], failure: RagError): Promise<RagError> {
    const reason = await this.restoreFromStore(documents, restore);
    if (reason !== null) {
      return new RagError(
        failure.code,
        `${failure.message}; nothing of this batch was stored, but OpenSearch may still hold some of its ${documents.length} documents as this batch wrote them ` +
          `(taking them back failed: ${reason}): search results may cite documents the store does not have until \`rag opensearch rebuild\` rebuilds the index from the store`,
        { ...failure.details, indexMismatch: reason },
        { cause: failure },
      );
    }
    return new RagError(failure.code, `${failure.message}; nothing of this batch was stored (what it had written to OpenSearch was taken back)`, failure.details, { cause: failure });
  }

  /**
   * Makes every index written to hold, for these documents, what `restore` says the store of record holds (their
   * stored version, or nothing for one it lacks), within a budget of its own. Null when done, else why it failed.
   */
  async restoreFromStore(documents: readonly PreparedDocument[], restore: (ids: string[]) => PreparedDocument[]): Promise<string | null> {
    const ctx = new RunContext({ timeoutMs: this.options.requestTimeoutMs });
    const records = restore(documents.map((d) => d.id));
    const recorded = new Set(records.map((d) => d.id));
    const fresh = documents.filter((d) => !recorded.has(d.id));
    if (this.rebuilding) {
      // The rebuild replays its log onto the new index: it must replay the store's versions, not this batch's.
      for (const d of fresh) this.rebuildLog.set(d.id, null);
      for (const d of records) this.rebuildLog.set(d.id, d);
    }
    try {
      for (const target of [this.alias, ...(this.rebuilding ? [this.rebuilding] : [])]) {
        const deletions: BulkOperation[] = fresh.flatMap((d) => d.chunks.map((_c, ord): BulkOperation => ({ action: 'delete', id: openSearchId(chunkId(d.id, ord)) })));
        for (let i = 0; i < deletions.length; i += this.options.bulk.batchSize) {
          const outcomes = await bulkWithBackoff(this.client, deletions.slice(i, i + this.options.bulk.batchSize), this.bulkOptions(target, false, ctx));
          const error = outcomes.find((o) => o.error !== undefined && o.status !== 404);
          if (error) throw new RagError('UNAVAILABLE', `deleting chunk ${error.operation.id}: ${error.error ?? ''}`);
        }
        for (const group of groupByChunks(records, this.options.bulk.batchSize)) {
          const failures = await this.writeGroup(target, group, await this.sourcesOf(group, ctx), false, ctx);
          if (failures.length > 0) throw new RagError('UNAVAILABLE', `rewriting document "${failures[0]!.id}": ${failures[0]!.reason}`);
        }
      }
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
    return null;
  }

  /**
   * Deletes a document's chunks; false when the collection has no such document. `ctx` is the request the deletion
   * is for: its deadline bounds every request to the cluster, as a write's does.
   */
  async delete(docId: string, options: { refresh?: boolean | 'wait_for'; ctx?: RunContext } = {}): Promise<boolean> {
    await this.ensureCollection();
    const refresh = options.refresh ?? this.options.refresh;
    const found = await this.deleteFrom(this.alias, docId, refresh, options.ctx);
    if (this.rebuilding) {
      await this.deleteFrom(this.rebuilding, docId, false, options.ctx);
      this.rebuildLog.set(docId, null);
    }
    return found;
  }

  /**
   * Rebuilds the collection into a fresh index from `batches` (e.g. every document of the embedded store), then
   * points the alias at it in one atomic step and deletes the old indices: searches never see a partial index.
   * Writes and deletes made meanwhile through this store go to both indices, and are applied to the new one
   * again after the copy. `documents` and `chunks` count what was copied from `batches`.
   */
  async rebuild(
    batches: AsyncIterable<PreparedDocument[]> | Iterable<PreparedDocument[]>,
    options: { onProgress?: (documents: number) => void; keepOld?: boolean } = {},
  ): Promise<{ index: string; previous: string[]; documents: number; chunks: number; failed: WriteFailure[] }> {
    if (this.rebuilding) throw new RagError('BAD_REQUEST', `a rebuild of ${this.alias} is already running`);
    await this.ensureCollection().catch((err: unknown) => {
      // An index that does not fit the embedder (another model or dimension) is what a rebuild is there to replace.
      if (!(err instanceof RagError && err.details?.['vectorMismatch'] !== undefined)) throw err;
    });
    const index = await this.createIndex(false);
    this.rebuilding = index;
    this.rebuildLog = new Map();
    const total: WriteResult = { documents: 0, chunks: 0, failed: [] };
    /** Writes documents into the new index; those of the source are counted in the result. */
    const copy = async (documents: readonly PreparedDocument[], counted: boolean): Promise<void> => {
      for (const group of groupByChunks(documents, this.options.bulk.batchSize)) {
        const failures = await this.writeGroup(index, group, await this.sourcesOf(group, new RunContext()), false);
        total.failed.push(...failures);
        if (!counted) continue;
        const failedIds = new Set(failures.map((f) => f.id));
        for (const doc of group) {
          if (failedIds.has(doc.id)) continue;
          total.documents++;
          total.chunks += doc.chunks.length;
        }
      }
    };
    try {
      await this.call(`settings of ${index}`, () => this.client.indices.putSettings({ index, body: { index: { refresh_interval: '-1' } } }));
      for await (const batch of batches) {
        await copy(batch, true);
        options.onProgress?.(total.documents);
      }
      // Writes made during the copy, again: the copy may have read a document before it was rewritten.
      const replay = [...this.rebuildLog];
      this.rebuildLog = new Map();
      await copy(replay.flatMap(([, doc]) => (doc ? [doc] : [])), false);
      for (const [id, doc] of replay) if (doc === null) await this.deleteFrom(index, id, false);
      await this.call(`settings of ${index}`, () =>
        this.client.indices.putSettings({ index, body: { index: { refresh_interval: this.options.layout.refreshInterval } } }),
      );
      await this.call(`refresh of ${index}`, () => this.client.indices.refresh({ index }));
      const previous = await this.indicesBehindAlias();
      await this.call(`switch of alias ${this.alias}`, () =>
        this.client.indices.updateAliases({
          body: {
            actions: [
              ...previous.map((old) => ({ remove: { index: old, alias: this.alias } })),
              { add: { index, alias: this.alias, is_write_index: true } },
            ],
          },
        }),
      );
      this.rebuilding = null;
      this.ready = Promise.resolve({ created: false, index });
      if (!options.keepOld && previous.length > 0) await this.call(`deletion of ${previous.join(',')}`, () => this.client.indices.delete({ index: previous }));
      return { index, previous, ...total };
    } catch (err) {
      if (this.rebuilding === index) {
        this.rebuilding = null;
        this.rebuildLog = new Map();
        await this.client.indices.delete({ index }).catch(() => undefined);
      }
      throw toRagError(err, `rebuild of ${this.alias}`);
    }
  }

  /** Runs a search request against the collection and returns its hits as chunks, best first. */
  async search(body: Record<string, unknown>, ctx: RunContext, source: string): Promise<ScoredChunk[]> {
    const filling = this.fillingReason();
    if (filling !== null) throw new RagError('UNAVAILABLE', filling, { backend: 'opensearch' });
    // The set-up has timeouts of its own (retried): a hung cluster must not hold a request past its deadline.
    await ctx.within(this.ensureCollection(), source);
    const request = this.client.search(
      { index: this.alias, body: { ...body, _source: HIT_FIELDS, track_total_hits: false } },
      { requestTimeout: this.timeoutFor(ctx) },
    );
    // A block, not an expression: abort() returns the request, a thenable, and an EventTarget listener that
    // returns a thenable has its rejection rethrown as an uncaught exception, which ended the whole process when
    // a request's deadline passed during a search.
    const abort = (): void => {
      request.abort();
    };
    ctx.signal.addEventListener('abort', abort, { once: true });
    try {
      const response = await request;
      return response.body.hits.hits.flatMap((hit) => {
        const chunk = toScoredChunk(hit._source, hit._score ?? 0, source);
        return chunk ? [chunk] : [];
      });
    } catch (err) {
      if (ctx.signal.aborted) ctx.check(source);
      throw this.failure(err, `search of ${this.alias}`);
    } finally {
      ctx.signal.removeEventListener('abort', abort);
    }
  }

  /** Makes every write so far searchable. */
  async refresh(): Promise<void> {
    await this.call(`refresh of ${this.alias}`, () => this.client.indices.refresh({ index: this.alias }));
  }

  async counts(): Promise<{ documents: number; chunks: number }> {
    await this.ensureCollection();
    const [chunks, documents] = await Promise.all([
      this.call(`count of ${this.alias}`, () => this.client.count({ index: this.alias })),
      this.call(`count of ${this.alias}`, () => this.client.count({ index: this.alias, body: { query: { term: { ord: 0 } } } })),
    ]);
    return { documents: documents.body.count, chunks: chunks.body.count };
  }

  /**
   * For /readyz: the cluster answers and is not red, and the collection exists (created if it did not). Within
   * READINESS_MS all told: a probe that hangs as long as the cluster does tells the orchestrator nothing in time.
   */
  async readiness(): Promise<Readiness> {
    try {
      return await new RunContext({ timeoutMs: READINESS_MS }).within(this.checkReadiness(), 'readiness check');
    } catch {
      return { ready: false, reason: `OpenSearch timed out (readiness check, no answer within ${READINESS_MS} ms)` };
    }
  }

  private async checkReadiness(): Promise<Readiness> {
    try {
      const health = await this.client.cluster.health({ timeout: '1s' }, { requestTimeout: READINESS_MS, maxRetries: 0 });
      if (health.body.status === 'red') return { ready: false, reason: `OpenSearch cluster ${health.body.cluster_name} is red` };
      const filling = this.fillingReason();
      if (filling !== null) return { ready: false, reason: filling };
      await this.ensureCollection();
      const counts = await this.counts();
      // Read now, not the one set-up found: a rebuild in another process (the CLI) moves the alias.
      const index = (await this.indicesBehindAlias()).at(-1) ?? this.alias;
      return { ready: true, index, ...counts };
    } catch (err) {
      return { ready: false, reason: toRagError(err, 'readiness check').message };
    }
  }

  /** Deletes the collection: its indices, alias and template (temporary collections of tests and evaluations). */
  async drop(): Promise<void> {
    const indices = await this.indicesBehindAlias().catch(() => []);
    const own = await this.call(`listing of ${this.alias}`, () => this.client.indices.get({ index: `${this.alias}.v*`, allow_no_indices: true, expand_wildcards: 'all' }));
    const all = [...new Set([...indices, ...Object.keys(own.body)])];
    if (all.length > 0) await this.call(`deletion of ${this.alias}`, () => this.client.indices.delete({ index: all }));
    await this.client.indices.deleteIndexTemplate({ name: this.alias }).catch(() => undefined);
    this.ready = null;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async setUp(): Promise<{ created: boolean; index: string }> {
    await this.client.indices.putIndexTemplate({ name: this.alias, body: indexTemplate(this.alias, this.layout()) });
    const existing = await this.indicesBehindAlias();
    if (existing.length === 0) {
      const concrete = await this.client.indices.exists({ index: this.alias });
      if (concrete.body) {
        throw new RagError('CONFIG', `opensearch.index: "${this.alias}" is an index, not an alias; use another name or delete that index`);
      }
      return { created: true, index: await this.createIndex(true) };
    }
    const index = existing[existing.length - 1] ?? this.alias;
    await this.checkVectorField(index);
    return { created: false, index };
  }

  /** Creates a fresh index of the collection; with `aliased`, it carries the alias from its first moment. */
  private async createIndex(aliased: boolean): Promise<string> {
    const index = `${this.alias}.v${Date.now()}`;
    try {
      await this.client.indices.create({
        index,
        body: { ...indexBody(this.layout()), ...(aliased ? { aliases: { [this.alias]: { is_write_index: true } } } : {}) },
      });
    } catch (err) {
      // Another process created the collection at the same moment: use its index.
      if (aliased && (await this.indicesBehindAlias()).length > 0) {
        await this.client.indices.delete({ index }).catch(() => undefined);
        return (await this.indicesBehindAlias())[0] ?? index;
      }
      throw err;
    }
    return index;
  }

  private async indicesBehindAlias(): Promise<string[]> {
    try {
      const response = await this.client.indices.getAlias({ name: this.alias });
      return Object.keys(response.body).sort();
    } catch (err) {
      if (err instanceof Error && 'statusCode' in err && err.statusCode === 404) return [];
      throw err;
    }
  }

  /** An index built for another embedder (or none) cannot serve k-NN queries with this one: say so at start-up. */
  private async checkVectorField(index: string): Promise<void> {
    const embedder = this.options.embedder;
    if (!embedder) return;
    const response = await this.client.indices.getMapping({ index });
    const mappings: unknown = response.body[index]?.mappings;
    const mapping: unknown = response.body[index]?.mappings?.properties?.[VECTOR_FIELD];
    const dimension = typeof mapping === 'object' && mapping !== null && 'dimension' in mapping ? Number(mapping.dimension) : undefined;
    if (dimension !== embedder.dimensions) {
      throw new RagError(
        'CONFIG',
        `OpenSearch index ${index} ${dimension === undefined ? 'has no vector field' : `holds ${dimension}-dimensional vectors`}, but embedder "${embedder.identity}" makes ${embedder.dimensions}: rebuild the collection (rag opensearch rebuild)`,
        { vectorMismatch: index },
      );
    }
    const recorded = recordedEmbedding(mappings);
    if (recorded === undefined) {
      // An index built before indices recorded their model: it records this one from now on, once a sample of its
      // vectors shows this model made them.
      await this.checkLegacyVectors(index, embedder);
      await this.client.indices.putMapping({ index, body: { _meta: { embedding: { model: embedder.identity, dimensions: embedder.dimensions } } } });
    } else if (recorded.model !== embedder.identity) {
      throw new RagError(
        'CONFIG',
        `OpenSearch index ${index} holds vectors from embedding model "${recorded.model}", but the configured embedder is "${embedder.identity}" ` +
          `(${embedder.dimensions} dimensions both): rebuild the collection (rag opensearch rebuild)`,
        { vectorMismatch: index },
      );
    }
  }

  /**
   * A few chunks of an index that recorded no model (the first by document id and position, the same every time),
   * embedded again and scored exactly against their indexed vectors: a cosine below SAME_MODEL_COSINE for any of
   * them means another model made the index, a CONFIG error that names the rebuild. An empty index passes.
   */
  private async checkLegacyVectors(index: string, embedder: Embedder): Promise<void> {
    const response = await this.client.search({
      index,
      body: { size: LEGACY_SAMPLE_SIZE, query: { match_all: {} }, sort: [{ docId: 'asc' }, { ord: 'asc' }], _source: ['title', 'headingPath', 'text'] },
    });
    const hits = response.body.hits.hits.flatMap((hit) => {
      const source = hit._source as { title?: unknown; headingPath?: unknown; text?: unknown } | undefined;
      if (typeof hit._id !== 'string' || typeof source?.title !== 'string' || typeof source.text !== 'string') return [];
      const headingPath = Array.isArray(source.headingPath) ? source.headingPath.map(String) : [];
      return [{ id: hit._id, text: passageText({ title: source.title, headingPath, text: source.text }) }];
    });
    if (hits.length === 0) return;
    const vectors = await passageVectors(embedder, hits.map((h) => h.text), LEGACY_SAMPLE_SIZE, new RunContext());
    const cosines: number[] = [];
    for (const [i, hit] of hits.entries()) {
      // Exact scoring of the one chunk, whatever the index's engine and space (k-NN's Painless function); a score
      // may not be negative, hence the 1 +.
      const scored = await this.client.search({
        index,
        body: {
          size: 1,
          query: {
            script_score: {
              query: { ids: { values: [hit.id] } },
              script: {
                source: `1.0 + cosineSimilarity(params.query_value, doc['${VECTOR_FIELD}'])`,
                params: { query_value: Array.from(vectors[i] ?? []) },
              },
            },
          },
        },
      });
      cosines.push((scored.body.hits.hits[0]?._score ?? 0) - 1);
    }
    const lowest = Math.min(...cosines);
    if (lowest >= SAME_MODEL_COSINE) return;
    throw new RagError(
      'CONFIG',
      `OpenSearch index ${index} recorded no embedding model (built by an older version), and its vectors were not made by the configured embedder ` +
        `"${embedder.identity}": ${cosines.filter((c) => c < SAME_MODEL_COSINE).length} of ${hits.length} sampled chunks embedded again differ from their ` +
        `indexed vectors (cosine ${lowest.toFixed(3)}, below ${SAME_MODEL_COSINE}): rebuild the collection (rag opensearch rebuild)`,
      { vectorMismatch: index, sampled: hits.length, lowest },
    );
  }

  private layout(): IndexLayout {
    const embedder = this.options.embedder;
    if (!embedder) return this.options.layout;
    // The identity is known once the embedder is loaded, as the dimension is.
    const model = embedder.dimensions > 0 ? { model: embedder.identity } : {};
    return { ...this.options.layout, vector: { dimensions: embedder.dimensions, ...model, ...this.options.knn } };
  }

  private async sourcesOf(documents: readonly PreparedDocument[], ctx: RunContext): Promise<ChunkSource[][]> {
    const sources = documents.map((doc) =>
      doc.chunks.map((chunk, ord): ChunkSource => ({
        id: chunkId(doc.id, ord),
        docId: doc.id,
        ord,
        chunkCount: doc.chunks.length,
        title: doc.title,
        headings: chunk.headingPath.join('\n'),
        headingPath: chunk.headingPath,
        text: chunk.text,
        meta: doc.meta,
      })),
    );
    const embedder = this.options.embedder;
    if (!embedder) return sources;
    // An ingestion brings the vectors it stores (computed once); documents read back from the store (a rebuild,
    // a collection filled at start-up) are embedded here, from the same text (passageText).
    const missing = documents.flatMap((doc, d) => (doc.vectors?.length === doc.chunks.length ? [] : [d]));
    const texts = missing.flatMap((d) => {
      const doc = documents[d]!;
      return doc.chunks.map((c) => passageText({ title: doc.title, headingPath: c.headingPath, text: c.text }));
    });
    const computed = texts.length > 0 ? await passageVectors(embedder, texts, this.options.embedBatchSize ?? 32, ctx) : [];
    let next = 0;
    const vectorsOf = new Map<number, Float32Array[]>();
    for (const d of missing) {
      const n = documents[d]!.chunks.length;
      vectorsOf.set(d, computed.slice(next, next + n));
      next += n;
    }
    sources.forEach((chunks, d) => {
      const vectors = vectorsOf.get(d) ?? documents[d]!.vectors ?? [];
      chunks.forEach((s, ord) => {
        s[VECTOR_FIELD] = Array.from(vectors[ord] ?? []);
      });
    });
    return sources;
  }

  /**
   * One group of documents to one index: index every chunk, then delete what is left of replaced documents
   * (chunks beyond their new count) and what was written of failed new documents.
   */
  private async writeGroup(
    target: string,
    documents: readonly PreparedDocument[],
    sources: ChunkSource[][],
    refresh: boolean | 'wait_for',
    ctx?: RunContext,
    onSend?: () => void,
  ): Promise<WriteFailure[]> {
    const previous = await this.previousChunkCounts(target, documents.map((d) => d.id), ctx);
    const shrinking = documents.some((d) => (previous.get(d.id) ?? 0) > d.chunks.length);
    const operations: BulkOperation[] = sources.flat().map((s) => ({ action: 'index', id: openSearchId(s.id), doc: { ...s } }));
    onSend?.();
    const outcomes = await bulkWithBackoff(this.client, operations, this.bulkOptions(target, shrinking ? false : refresh, ctx));

    const failures = new Map<string, WriteFailure>();
    const written = new Map<string, number[]>();
    let k = 0;
    for (const doc of documents) {
      for (let ord = 0; ord < doc.chunks.length; ord++, k++) {
        const outcome = outcomes[k]!;
        if (outcome.error === undefined) written.set(doc.id, [...(written.get(doc.id) ?? []), ord]);
        else if (!failures.has(doc.id)) failures.set(doc.id, { id: doc.id, status: outcome.status, reason: outcome.error, partial: false });
      }
    }
    const cleanup: BulkOperation[] = [];
    const cleanupOf: string[] = [];
    const remove = (docId: string, ord: number): void => {
      cleanup.push({ action: 'delete', id: openSearchId(chunkId(docId, ord)) });
      cleanupOf.push(docId);
    };
    for (const doc of documents) {
      const before = previous.get(doc.id);
      const failure = failures.get(doc.id);
      if (!failure) {
        for (let ord = doc.chunks.length; ord < (before ?? 0); ord++) remove(doc.id, ord);
      } else if (before === undefined) {
        // A new document that failed: take back what was written of it, so no half document is searchable.
        for (const ord of written.get(doc.id) ?? []) remove(doc.id, ord);
      } else if ((written.get(doc.id) ?? []).length > 0) failure.partial = true;
    }
    if (cleanup.length > 0) {
      const outcomes = await bulkWithBackoff(this.client, cleanup, this.bulkOptions(target, refresh, ctx));
      for (const [i, outcome] of outcomes.entries()) {
        if (outcome.error === undefined || outcome.status === 404) continue;
        const id = cleanupOf[i]!;
        const failure = failures.get(id);
        if (failure) failure.partial = true;
        else failures.set(id, { id, status: outcome.status, reason: `stale chunks left: ${outcome.error}`, partial: true });
      }
    }
    return [...failures.values()];
  }

  /** Deletes one document's chunks from one index; false when it has none there. */
  private async deleteFrom(target: string, docId: string, refresh: boolean | 'wait_for', ctx?: RunContext): Promise<boolean> {
    const count = (await this.previousChunkCounts(target, [docId], ctx)).get(docId);
    if (count === undefined) return false;
    const operations: BulkOperation[] = Array.from({ length: count }, (_x, ord) => ({ action: 'delete', id: openSearchId(chunkId(docId, ord)) }));
    const outcomes = await bulkWithBackoff(this.client, operations, this.bulkOptions(target, refresh, ctx));
    const error = outcomes.find((o) => o.error !== undefined && o.status !== 404);
    if (error) throw new RagError('UNAVAILABLE', `OpenSearch could not delete document "${docId}" from ${target}: ${error.error ?? ''}`, { backend: 'opensearch' });
    return true;
  }

  /** Each document's chunk count as stored now, read in real time from its first chunk (no refresh needed). */
  private async previousChunkCounts(target: string, docIds: readonly string[], ctx?: RunContext): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (docIds.length === 0) return counts;
    const ids = docIds.map((id) => openSearchId(chunkId(id, 0)));
    const response = await this.call(`lookup in ${target}`, () =>
      this.client.mget(
        { index: target, body: { ids }, _source_includes: ['docId', 'chunkCount'], realtime: true },
        ctx ? { requestTimeout: this.timeoutFor(ctx) } : {},
      ),
    );
    for (const doc of response.body.docs) {
      // A vanished collection is no failed request for mget: each document carries the error. Without this, a write
      // went on to a bulk request whose every chunk was refused (404), answered 200 as documents the cluster refused.
      const missing = 'error' in doc ? doc.error : undefined;
      if (typeof missing === 'object' && missing !== null && 'type' in missing && missing.type === 'index_not_found_exception') {
        this.collectionGone();
        const reason = 'reason' in missing && typeof missing.reason === 'string' ? missing.reason : 'index_not_found_exception';
        throw collectionMissing(`lookup in ${target}`, reason);
      }
      if (!('found' in doc) || !doc.found) continue;
      const source: unknown = doc._source;
      if (typeof source !== 'object' || source === null || !('docId' in source) || !('chunkCount' in source)) continue;
      if (typeof source.docId === 'string' && typeof source.chunkCount === 'number') counts.set(source.docId, source.chunkCount);
    }
    return counts;
  }

  private bulkOptions(index: string, refresh: boolean | 'wait_for', ctx?: RunContext): Parameters<typeof bulkWithBackoff>[2] {
    return {
      index,
      requireAlias: index === this.alias,
      maxRetries: this.options.bulk.maxRetries,
      backoffMs: this.options.bulk.backoffMs,
      refresh,
      // Bulk requests carry many chunks: give them longer than a search, but never past the request's deadline.
      requestTimeoutMs: this.options.requestTimeoutMs * 6,
      ...(ctx ? { ctx } : {}),
    };
  }

  private timeoutFor(ctx: RunContext): number {
    return Math.max(1, Math.min(this.options.requestTimeoutMs, Math.floor(ctx.remainingMs())));
  }

  private async call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.failure(err, doing);
    }
  }

  /** The collection vanished (a fresh cluster): set it up again on the next call rather than fail forever. */
  private failure(err: unknown, doing: string): RagError {
    // Two requests that found it gone (a readiness check counts twice at once, hybrid searches twice) set it up
    // once: a second set-up alongside the first named its index in the same millisecond, and deleted the first's.
    if (openSearchErrorType(err) === 'index_not_found_exception') this.collectionGone();
    return toRagError(err, doing);
  }

  private collectionGone(): void {
    if (this.settingUp) return;
    this.ready = null;
    // Set it up (and fill it from the store) now, not on the next request.
    if (this.refill) void this.ensureCollection().catch(() => undefined);
  }
}

/** Groups of whole documents of about `size` chunks each (a document larger than that is a group of its own). */
function groupByChunks(documents: readonly PreparedDocument[], size: number): PreparedDocument[][] {
  const groups: PreparedDocument[][] = [];
  let current: PreparedDocument[] = [];
  let chunks = 0;
  for (const doc of documents) {
    if (current.length > 0 && chunks + doc.chunks.length > size) {
      groups.push(current);
      current = [];
      chunks = 0;
    }
    current.push(doc);
    chunks += doc.chunks.length;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function toScoredChunk(source: unknown, score: number, retriever: string): ScoredChunk | null {
  if (typeof source !== 'object' || source === null) return null;
  const s = source as Record<string, unknown>;
  if (typeof s['id'] !== 'string' || typeof s['docId'] !== 'string' || typeof s['text'] !== 'string') return null;
  const chunk: ScoredChunk = { id: s['id'], docId: s['docId'], text: s['text'], score, source: retriever };
  if (typeof s['title'] === 'string') chunk.title = s['title'];
  const headingPath = s['headingPath'];
  if (Array.isArray(headingPath) && headingPath.length > 0) chunk.headingPath = headingPath.map(String);
  return chunk;
}
