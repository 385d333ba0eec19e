import { statSync } from 'node:fs';
import { RagError } from '../core/errors.js';
import type { Rag } from '../rag.js';
import { folderIdPrefix } from '../store/document-sources.js';
import { staleFileDocuments } from '../store/stale-file-documents.js';

/**
 * The id prefixes `rag ingest --prune` prunes under: those of the folders among `paths` (files named on their own
 * are ingested, never pruned). Checked before anything is ingested: no folder at all, or the working folder or one
 * that holds it, is a usage error.
 */
export function prunePrefixes(paths: readonly string[]): string[] {
  const folders = paths.filter((p) => statSync(p).isDirectory());
  if (folders.length === 0) {
    throw new RagError('BAD_REQUEST', `--prune removes the documents of files gone from a folder, and no folder was given (files named on their own are ingested, never pruned): ${paths.join(', ')}`);
  }
  return folders.map((folder) => {
    const prefix = folderIdPrefix(folder);
    if (prefix === null) {
      throw new RagError(
        'BAD_REQUEST',
        `--prune ${folder}: that is the working folder or holds it, so its files' ids are bare relative paths (a.md), which documents ingested from other working folders or over HTTP may have too; run it from a folder above (cd .. && rag ingest <folder> --prune)`,
      );
    }
    return prefix;
  });
}

/**
 * Deletes the documents under `prefixes` whose files are gone (`staleFileDocuments`), and `emptied` (the ids of files
 * there that hold no text now), as DELETE /v1/documents/:id does (OpenSearch too), in one write of the store; `keep`
 * spares ids the ingestion just stored. Returns the ids deleted.
 */
export async function pruneFolders(rag: Rag, prefixes: readonly string[], keep: (id: string) => boolean, emptied: readonly string[] = []): Promise<string[]> {
  return rag.deleteDocuments([...new Set([...staleFileDocuments(rag.store, prefixes, { keep }), ...emptied])].sort());
}
