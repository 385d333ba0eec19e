import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isSourceFileName } from './document-sources.js';
import type { SqliteStore } from './sqlite-store.js';

/** Ids read per page of the listing. */
const PAGE = 1000;

/**
 * The stored documents whose id lies under one of `prefixes` (see `folderIdPrefix`), names a file `rag ingest`
 * reads, and whose file is no longer there (relative ids are read from `base`, as they were made), in id order.
 * `keep` spares ids all the same: those the ingestion just stored, such as a JSONL row whose id looks like a path.
 */
export function staleFileDocuments(
  store: Pick<SqliteStore, 'documentPage'>,
  prefixes: readonly string[],
  options: { base?: string; keep?: (id: string) => boolean } = {},
): string[] {
  const base = resolve(options.base ?? '.');
  const stale = new Set<string>();
  for (const prefix of prefixes) {
    let after: string | undefined;
    do {
      const page = store.documentPage({ prefix, limit: PAGE, after });
      for (const { id } of page.documents) {
        if (isSourceFileName(id) && !options.keep?.(id) && !isFile(resolve(base, id))) stale.add(id);
      }
      after = page.next;
    } while (after !== undefined);
  }
  // Folders given one inside another list the same ids twice, and out of order.
  return [...stale].sort();
}

/** Whether a file is there; a path that cannot be checked (no permission) throws, so nothing is deleted on a guess. */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch (err) {
    // ENOTDIR: a folder on the way is a file now.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw err;
  }
}
