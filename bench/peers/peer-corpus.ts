import { passageText } from '../../src/store/passage-text.js';
import type { SqliteStore } from '../../src/store/sqlite-store.js';
import type { PeerChunk } from './peer-system.js';

/**
 * The chunks of a store the project has ingested, as the peers index them: one per project chunk, with the text
 * the project's own BM25 sees (title, heading path, text). Every system thus ranks the same units.
 */
export function peerChunks(store: SqliteStore): PeerChunk[] {
  const chunks: PeerChunk[] = [];
  for (const page of store.preparedDocuments()) {
    for (const doc of page) {
      doc.chunks.forEach((c, i) => chunks.push({ id: `${doc.id}#${i}`, docId: doc.id, text: passageText({ title: doc.title, headingPath: c.headingPath, text: c.text }) }));
    }
  }
  return chunks;
}
