/**
 * Dense retrieval in the embedded store: exact k-NN latency and the ingestion cost of vectors, on random vectors.
 *
 *   npx tsx bench/dense.ts [--sizes 10000,100000] [--dims 384] [--queries 200] [--k 10] [--json]
 *
 * For each size it builds two file stores of one-chunk documents, one without and one with vectors, and reports:
 * the extra time per chunk that vectors add to ingestion (the same upsert path the ingestor uses, embedding
 * excluded: that is the model's cost) and to replacing documents, the extra bytes on disk, and the p50/p95 time
 * of `SqliteStore.nearestChunks` (exact k-NN through sqlite-vec) per query, unfiltered, with a 10% metadata filter
 * and with a one-document filter. It checks on a few queries that the results equal a brute-force cosine ranking.
 * Random vectors are the worst case for no index and exactly the cost of an exact scan, which does not depend on
 * the data. Results go to stdout (a JSON line with --json); progress to stderr.
 */
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { MetadataFilter } from '../src/core/types.js';
import { percentile } from '../src/eval/metrics.js';
import { mulberry32 } from '../src/eval/seeded-random.js';
import type { EmbeddingSpace } from '../src/store/embedding-space.js';
import { SqliteStore, type PreparedDocument } from '../src/store/sqlite-store.js';

interface Options {
  sizes: number[];
  dims: number;
  queries: number;
  k: number;
  json: boolean;
}

interface Latency {
  p50_ms: number;
  p95_ms: number;
  mean_ms: number;
}

interface SizeReport {
  vectors: number;
  dims: number;
  ingest_us_per_chunk: { without_vectors: number; with_vectors: number; vector_cost: number };
  replace_us_per_chunk: { without_vectors: number; with_vectors: number; vector_cost: number };
  bytes_per_vector: number;
  knn: { unfiltered: Latency; unfiltered_k100: Latency; filter_10pct: Latency; filter_one_doc: Latency };
  exact: boolean;
}

const BATCH = 1000;

const sizeList = (value: string): number[] => {
  const sizes = value.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new InvalidArgumentError('--sizes takes positive integers, comma-separated');
  return sizes;
};
const positiveInt = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

function parseArgs(argv: string[]): Options {
  return new Command()
    .name('bench-dense')
    .description('Exact k-NN latency and vector ingestion cost of the embedded store')
    .option('--sizes <list>', 'numbers of vectors', sizeList, [10_000, 100_000])
    .option('--dims <n>', 'vector dimensions', positiveInt('--dims'), 384)
    .option('--queries <n>', 'queries per measurement', positiveInt('--queries'), 200)
    .option('--k <n>', 'neighbours per query', positiveInt('--k'), 10)
    .option('--json', 'print a JSON summary as the last line of stdout', false)
    .parse(argv)
    .opts<Options>();
}

const note = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

function gaussianVector(rnd: () => number, dims: number): Float32Array {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  return v;
}

function docs(n: number, vectors: Float32Array[] | null, idPrefix = 'd'): PreparedDocument[] {
  return Array.from({ length: n }, (_, i) => {
    const text = `chunk ${i} of the benchmark corpus`;
    const doc: PreparedDocument = {
      id: `${idPrefix}${i}`,
      title: `Document ${i}`,
      format: 'text',
      meta: { group: i % 10 === 0 ? 'tenth' : 'rest' },
      structure: { kind: 'document', title: `Document ${i}`, level: 0, children: [{ kind: 'paragraph', text, level: 0, children: [] }] },
      chunks: [{ text, headingPath: [] }],
    };
    const vector = vectors?.[i];
    if (vector) doc.vectors = [vector];
    return doc;
  });
}

/** Upserts in batches of 1,000; returns microseconds per chunk. */
function timedUpsert(store: SqliteStore, all: PreparedDocument[], space: EmbeddingSpace | undefined): number {
  const started = performance.now();
  for (let i = 0; i < all.length; i += BATCH) store.upsert(all.slice(i, i + BATCH), space);
  return ((performance.now() - started) * 1000) / all.length;
}

function fileBytes(path: string): number {
  return [path, `${path}-wal`].reduce((sum, p) => sum + (existsSync(p) ? statSync(p).size : 0), 0);
}

function measure(store: SqliteStore, queries: Float32Array[], k: number, filter?: MetadataFilter): Latency {
  for (const q of queries.slice(0, 5)) store.nearestChunks(q, k, filter);
  const times = queries.map((q) => {
    const t0 = performance.now();
    store.nearestChunks(q, k, filter);
    return performance.now() - t0;
  });
  return {
    p50_ms: round(percentile(times, 50)),
    p95_ms: round(percentile(times, 95)),
    mean_ms: round(times.reduce((a, b) => a + b, 0) / times.length),
  };
}

/** Top-k rowids by cosine in float64, for comparison with the store's answer. */
function bruteForce(vectors: Float32Array[], query: Float32Array, k: number): number[] {
  const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const qn = norm(query);
  return vectors
    .map((v, i) => ({ rowid: i + 1, score: v.reduce((s, x, j) => s + x * (query[j] ?? 0), 0) / (norm(v) * qn) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((h) => h.rowid);
}

function benchSize(n: number, options: Options, dir: string): SizeReport {
  const rnd = mulberry32(n);
  const space: EmbeddingSpace = { model: 'bench/random', dimensions: options.dims };
  note(`${n} vectors: generating`);
  const vectors = Array.from({ length: n }, () => gaussianVector(rnd, options.dims));

  note(`${n} vectors: ingesting without vectors`);
  const plainPath = join(dir, `plain-${n}.db`);
  const plain = new SqliteStore(plainPath);
  const ingestPlain = timedUpsert(plain, docs(n, null), undefined);
  const replacePlain = timedUpsert(plain, docs(BATCH, null), undefined);
  plain.close();

  note(`${n} vectors: ingesting with vectors`);
  const densePath = join(dir, `dense-${n}.db`);
  let dense = new SqliteStore(densePath);
  const ingestDense = timedUpsert(dense, docs(n, vectors), space);
  // Replacing a document deletes its vector from a vec0 block and writes the new one.
  const replaceDense = timedUpsert(dense, docs(BATCH, vectors.slice(0, BATCH).reverse()), space);
  dense.close();
  const bytesPerVector = (fileBytes(densePath) - fileBytes(plainPath)) / n;

  dense = new SqliteStore(densePath);
  try {
    note(`${n} vectors: querying`);
    const queries = Array.from({ length: options.queries }, () => gaussianVector(rnd, options.dims));
    // Rowids are 1..n in insertion order; the replaced documents took new rowids, so compare on a fresh store's
    // order only for documents that were not replaced.
    const rowidOf = new Map(dense.chunksByRowid(Array.from({ length: n + BATCH }, (_, i) => i + 1)).map((c) => [c.id, c.rowid]));
    const current = vectors.map((v, i) => (i < BATCH ? (vectors[BATCH - 1 - i] as Float32Array) : v));
    const exact = queries.slice(0, 5).every((q) => {
      const expected = bruteForce(current, q, options.k).map((r) => rowidOf.get(`d${r - 1}#0`));
      return JSON.stringify(dense.nearestChunks(q, options.k).map((h) => h.rowid)) === JSON.stringify(expected);
    });
    return {
      vectors: n,
      dims: options.dims,
      ingest_us_per_chunk: { without_vectors: round(ingestPlain, 1), with_vectors: round(ingestDense, 1), vector_cost: round(ingestDense - ingestPlain, 1) },
      replace_us_per_chunk: { without_vectors: round(replacePlain, 1), with_vectors: round(replaceDense, 1), vector_cost: round(replaceDense - replacePlain, 1) },
      bytes_per_vector: Math.round(bytesPerVector),
      knn: {
        unfiltered: measure(dense, queries, options.k),
        unfiltered_k100: measure(dense, queries, 100),
        filter_10pct: measure(dense, queries, options.k, { group: 'tenth' }),
        filter_one_doc: measure(dense, queries, options.k, { docId: `d${n - 1}` }),
      },
      exact,
    };
  } finally {
    dense.close();
  }
}

function main(): void {
  const options = parseArgs(process.argv);
  const dir = mkdtempSync(join(os.tmpdir(), `rag-bench-dense-${process.pid}-`));
  const reports: SizeReport[] = [];
  try {
    for (const n of options.sizes) reports.push(benchSize(n, options, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const line = (cells: Array<string | number>): string => cells.map((c, i) => String(c).padStart(i === 0 ? 10 : 14)).join(' ');
  console.log(`exact k-NN (sqlite-vec vec0, ${options.dims} dims, k=${options.k}, ${options.queries} queries), ms per query p50 / p95`);
  console.log(line(['vectors', 'unfiltered', 'k=100', '10% filter', 'one doc', 'exact']));
  for (const r of reports) {
    const f = (l: Latency): string => `${l.p50_ms} / ${l.p95_ms}`;
    console.log(line([r.vectors, f(r.knn.unfiltered), f(r.knn.unfiltered_k100), f(r.knn.filter_10pct), f(r.knn.filter_one_doc), r.exact ? 'yes' : 'NO']));
  }
  console.log('\ningestion, µs per chunk (batches of 1,000, embedding excluded)');
  console.log(line(['vectors', 'no vectors', 'with vectors', 'vector cost', 'replace cost', 'bytes/vector']));
  for (const r of reports) {
    console.log(line([r.vectors, r.ingest_us_per_chunk.without_vectors, r.ingest_us_per_chunk.with_vectors, r.ingest_us_per_chunk.vector_cost, r.replace_us_per_chunk.vector_cost, r.bytes_per_vector]));
  }
  if (options.json) console.log(JSON.stringify({ sizes: reports, machine: { cpus: os.cpus().length, node: process.version } }));
  if (reports.some((r) => !r.exact)) process.exitCode = 1;
}

main();
