import { RagError, isRagError } from '../core/errors.js';
import type { Rag } from '../rag.js';

/**
 * Deletes documents one at a time as DELETE /v1/documents/:id does (OpenSearch first, then the store, each write in
 * order with a server's), calling `onDeleted` for each. A failure part-way is the error, naming the ids deleted
 * before it. Returns the ids deleted; one already gone (deleted meanwhile by someone else) is not among them.
 */
export async function deleteEach(rag: Rag, ids: readonly string[], onDeleted?: (id: string) => void): Promise<string[]> {
  const deleted: string[] = [];
  for (const id of ids) {
    try {
      if (!(await rag.deleteDocument(id))) continue;
    } catch (err) {
      if (!isRagError(err) || deleted.length === 0) throw err;
      throw new RagError(err.code, `${err.message}; deleted before it: ${deleted.join(', ')} (run again for the rest)`, { ...err.details, deleted }, { cause: err });
    }
    deleted.push(id);
    onDeleted?.(id);
  }
  return deleted;
}
