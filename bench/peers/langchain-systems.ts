import { EnsembleRetriever } from '@langchain/classic/retrievers/ensemble';
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { BM25Retriever } from '@langchain/community/retrievers/bm25';
import { Document } from '@langchain/core/documents';
import type { BaseRetriever } from '@langchain/core/retrievers';
import type { Embedder } from '../../src/models/embedder.js';
import type { PeerChunk, PeerSystem } from './peer-system.js';
import { ProjectEmbeddings } from './project-embeddings.js';

const docIdOf = (d: Document): string => {
  const id: unknown = d.metadata['docId'];
  if (typeof id !== 'string') throw new Error('a LangChain document came back without its docId metadata');
  return id;
};

/** A LangChain retriever as a system; `k` is fixed at construction, as LangChain retrievers take it. */
function system(label: string, kind: PeerSystem['kind'], what: string, retriever: BaseRetriever, k: number): PeerSystem {
  return {
    label,
    kind,
    what,
    search: async (query, wanted) => {
      if (wanted !== k) throw new Error(`${label} was built for k = ${k}, asked for ${wanted}`);
      return (await retriever.invoke(query)).map(docIdOf);
    },
  };
}

/**
 * (c) LangChain.js as its documentation shows it: `BM25Retriever.fromDocuments` over the chunks (its defaults:
 * lower-cased query split on white space, okapi BM25 with k1 1.2 and b 0.75, every document scored per query),
 * and `EnsembleRetriever` fusing it with a `MemoryVectorStore` retriever (exact cosine) by weighted RRF (c 60,
 * equal weights), the same fusion as the project's hybrid. The vectors come from the project's embedder, the
 * one the project's hybrid row uses.
 */
export async function langchainSystems(chunks: readonly PeerChunk[], k: number, embedder: { embedder: Embedder; what: string; batchSize: number } | null): Promise<PeerSystem[]> {
  const docs = chunks.map((c) => new Document({ pageContent: c.text, metadata: { docId: c.docId }, id: c.id }));
  const bm25 = BM25Retriever.fromDocuments(docs, { k });
  const out = [system('(c) LangChain BM25Retriever', 'bm25', `@langchain/community BM25Retriever.fromDocuments(chunks, {k: ${k}}), invoke(query)`, bm25, k)];
  if (embedder) {
    const store = new MemoryVectorStore(new ProjectEmbeddings(embedder.embedder, embedder.batchSize));
    await store.addDocuments(docs);
    const ensemble = new EnsembleRetriever({ retrievers: [bm25, store.asRetriever(k)], weights: [0.5, 0.5] });
    out.push(
      system(
        '(c) LangChain EnsembleRetriever',
        'hybrid',
        `@langchain/classic EnsembleRetriever({retrievers: [the BM25Retriever, MemoryVectorStore.asRetriever(${k})], weights [0.5, 0.5]}) (RRF, c 60), vectors from ${embedder.what}`,
        ensemble,
        k,
      ),
    );
  }
  return out;
}
