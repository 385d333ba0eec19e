import type { Config } from '../../src/core/config.js';
import { RagError } from '../../src/core/errors.js';
import { RunContext } from '../../src/core/run-context.js';
import type { Embedder } from '../../src/models/embedder.js';
import { Rag } from '../../src/rag.js';
import type { PeerSystem } from './peer-system.js';

export interface RagSystemsOptions {
  /** Pointed at its own store (and, for OpenSearch, its own collection); response cache off. */
  config: Config;
  corpusPath: string;
  /** Row labels start with this, e.g. "(a) this project". */
  label: string;
  /** Where BM25 runs, for the notes: "embedded in-memory BM25", "OpenSearch 2.19". */
  engine: string;
  /**
   * Also a hybrid row (BM25 + dense), the embedded backend only: with `embedder`, or with the configuration's own
   * (`embeddings`) when it is left out; `what` names it in the notes.
   */
  hybrid?: { embedder?: Embedder; what: string };
}

export interface RagSystems {
  rag: Rag;
  systems: PeerSystem[];
  ingestSeconds: number;
}

/**
 * The project's own rows: the corpus ingested through `Rag.ingestPaths`, then queried through `Rag.retrieve`,
 * the code behind `POST /v1/retrieve` (query understanding, intent-aware retrieval), and through the BM25
 * retriever alone (no query understanding), which shows what that layer costs.
 */
export async function openRagSystems(o: RagSystemsOptions): Promise<RagSystems> {
  const rag = new Rag(o.config, o.hybrid?.embedder ? { embedder: o.hybrid.embedder } : {});
  try {
    if (rag.search) {
      const reason = await rag.connectSearch();
      if (reason) throw new RagError('UNAVAILABLE', `OpenSearch unavailable: ${reason}`);
    }
    await rag.init();
    const started = performance.now();
    const { failed } = await rag.ingestPaths([o.corpusPath], { batchSize: 1000 });
    if (failed && failed.length > 0) throw new RagError('UNAVAILABLE', `OpenSearch refused ${failed.length} documents, e.g. "${failed[0]?.id}": ${failed[0]?.reason}`);
    await rag.search?.refresh();
    rag.warm();
    const ingestSeconds = (performance.now() - started) / 1000;
    const understanding = `query understanding as configured (denoise ${String(o.config.query.denoise)}, decompose ${String(o.config.query.decompose)})`;
    const systems: PeerSystem[] = [
      {
        label: `${o.label}, BM25`,
        kind: 'bm25',
        what: `Rag.retrieve({query, k}), the code of POST /v1/retrieve: ${understanding}, then ${o.engine} (k1 ${o.config.retrieval.bm25.k1}, b ${o.config.retrieval.bm25.b})`,
        search: async (query, k) => (await rag.retrieve({ query, k }, new RunContext())).hits.map((h) => h.docId),
      },
      {
        label: `${o.label}, BM25 retriever alone`,
        kind: 'bm25',
        what: `the "bm25" retriever's retrieve(query, {k}) directly: ${o.engine} without query understanding`,
        search: async (query, k) => (await rag.queryRetriever.retrieve(query, { k }, new RunContext())).map((h) => h.docId),
      },
    ];
    if (o.hybrid) {
      if (!rag.embedder) throw new RagError('CONFIG', `${o.label}: a hybrid row needs an embedder, and the configuration has none`);
      const { rrfK, weights, depth } = o.config.retrieval.hybrid;
      systems.push({
        label: `${o.label}, hybrid`,
        kind: 'hybrid',
        what: `Rag.retrieve({query, k, retriever: "hybrid"}): ${understanding}, then BM25 and exact k-NN over ${o.hybrid.what} (sqlite-vec), fused by weighted RRF (k ${rrfK}, weights ${weights.bm25}/${weights.dense}, depth ${depth})`,
        search: async (query, k) => (await rag.retrieve({ query, k, retriever: 'hybrid' }, new RunContext())).hits.map((h) => h.docId),
      });
    }
    return { rag, systems, ingestSeconds };
  } catch (err) {
    await rag.search?.drop().catch(() => undefined);
    await rag.close();
    throw err;
  }
}
