/**
 * The child process of the crash test (test/integration/crash-ingest.test.ts): ingests numbered batches into a
 * SQLite store through the real ingestion path (parse, chunk, embed, one write transaction with the FTS5 rows
 * and the vectors) and reports on stdout, one line each: `write <n>` as batch n's write transaction starts (so
 * the test can aim its kill inside it) and `ack <n> <ms the write took>` once it is committed, until killed:
 *
 *   node --import tsx test/helpers/ingest-worker.ts <storePath> <firstBatch> <docsPerBatch>
 */
import { RunContext } from '../../src/core/run-context.js';
import type { DocumentInput } from '../../src/core/types.js';
import { Ingestor } from '../../src/store/ingestor.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { HashingEmbedder } from './hashing-embedder.js';

/** Shared with the test, which rebuilds the embedder to open the store as a server would. */
export const WORKER_EMBEDDER = { dimensions: 64, name: 'crash-test/feature-hashing-64' };
export const WORKER_CHUNKING = { chunkSize: 300, chunkOverlap: 0 };

/** The word only batch `n`'s chunks hold: FTS5 must find exactly them. */
export const batchMarker = (n: number): string => `batchmark${n}`;

export const docId = (batch: number, doc: number): string => `b${batch}-d${doc}`;

/** Batch `n`: documents of several chunks each, every paragraph carrying the batch's marker word. */
export function batchDocuments(n: number, docsPerBatch: number): DocumentInput[] {
  return Array.from({ length: docsPerBatch }, (_, d) => ({
    id: docId(n, d),
    title: `Batch ${n} document ${d}`,
    text: Array.from(
      { length: 4 },
      (_, p) => `Paragraph ${p} of document ${d} in ${batchMarker(n)}: kilns fire clay, glazes melt, and numbats eat termites by the thousand every day.`,
    ).join('\n\n'),
  }));
}

/** Says when a write starts; the write itself is synchronous, so a kill that follows lands inside it or after. */
class ReportingStore extends SqliteStore {
  batch = -1;

  override upsert(...args: Parameters<SqliteStore['upsert']>): ReturnType<SqliteStore['upsert']> {
    // Synchronous on a pipe (Linux): the line is out before the transaction begins.
    process.stdout.write(`write ${this.batch}\n`);
    return super.upsert(...args);
  }
}

async function main(): Promise<void> {
  const [path, first, perBatch] = process.argv.slice(2);
  if (!path || first === undefined || perBatch === undefined) throw new Error('usage: ingest-worker.ts <storePath> <firstBatch> <docsPerBatch>');
  const store = new ReportingStore(path);
  const embedder = new HashingEmbedder(WORKER_EMBEDDER);
  const ingestor = new Ingestor(store, { ...WORKER_CHUNKING, maxDocumentChars: 1_000_000, embedder });
  for (let n = Number(first); ; n++) {
    store.batch = n;
    const ctx = new RunContext();
    await ingestor.ingest(batchDocuments(n, Number(perBatch)), ctx);
    process.stdout.write(`ack ${n} ${ctx.trace.spans.find((s) => s.name === 'ingest.write')?.ms ?? 0}\n`);
  }
}

// Imported by the test for its shared definitions; run only as a script.
if (process.argv[1]?.endsWith('ingest-worker.ts')) {
  main().catch((err: unknown) => {
    process.stderr.write(`ingest-worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
