import { createRequire } from 'node:module';
import type { PeerChunk, PeerSystem } from './peer-system.js';

// Through the CommonJS entry points: the package's ES module entry fails under Node on the first query ("BM25 is
// not a function": it default-imports okapibm25, a CommonJS module whose function is `exports.default`), while the
// CommonJS build unwraps it. The core classes come the same way, so that all of LlamaIndex is one copy.
const require = createRequire(import.meta.url);
const { Bm25Retriever } = require('@llamaindex/bm25-retriever') as typeof import('@llamaindex/bm25-retriever');
const { Document } = require('@llamaindex/core/schema') as typeof import('@llamaindex/core/schema');
const { KVDocumentStore } = require('@llamaindex/core/storage/doc-store') as typeof import('@llamaindex/core/storage/doc-store');
const { SimpleKVStore } = require('@llamaindex/core/storage/kv-store') as typeof import('@llamaindex/core/storage/kv-store');

/**
 * (d) LlamaIndex.TS's BM25 retriever over an in-memory document store (`KVDocumentStore` over `SimpleKVStore`, what
 * LlamaIndex's SimpleDocumentStore is): per query it reads every node from the store and scores all of them with
 * the okapibm25 package (k1 1.2, b 0.75, the lower-cased query split on white space, each term used as a regular
 * expression).
 */
export async function llamaindexSystem(chunks: readonly PeerChunk[], k: number): Promise<PeerSystem> {
  const docStore = new KVDocumentStore(new SimpleKVStore());
  await docStore.addDocuments(chunks.map((c) => new Document({ id_: c.id, text: c.text, metadata: { docId: c.docId } })));
  const retriever = new Bm25Retriever({ docStore, topK: k });
  return {
    label: '(d) LlamaIndex.TS Bm25Retriever',
    kind: 'bm25',
    what: `@llamaindex/bm25-retriever new Bm25Retriever({docStore, topK: ${k}}), retrieve(query), over a KVDocumentStore(SimpleKVStore) of the chunks; CommonJS entry (the ES module one fails under Node: "BM25 is not a function")`,
    search: async (query, wanted) => {
      if (wanted !== k) throw new Error(`the LlamaIndex retriever was built for k = ${k}, asked for ${wanted}`);
      const hits = await retriever.retrieve(query);
      return hits.map((h) => {
        const id: unknown = h.node.metadata['docId'];
        if (typeof id !== 'string') throw new Error('a LlamaIndex node came back without its docId metadata');
        return id;
      });
    },
  };
}
