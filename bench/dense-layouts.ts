/**
 * Why chunk vectors live in a sqlite-vec vec0 table: exact k-NN latency of the two layouts sqlite-vec allows,
 * on the same random vectors in one file.
 *
 *   npx tsx bench/dense-layouts.ts [--vectors 100000] [--dims 384] [--queries 50] [--k 10]
 *
 * - vec0, L2 on unit vectors (what the store uses) and vec0 with its cosine metric;
 * - a plain table of float32 BLOBs scanned with vec_distance_l2 / vec_distance_cosine, ORDER BY ... LIMIT k;
 * each unfiltered, and restricted to 0.1%, 10% and 50% of the rows by `rowid IN (subquery)` (how a metadata
 * filter reaches them), plus the cost of deleting 100 vectors (every document replacement does). All rankings
 * are checked to agree. Progress goes to stderr, the table to stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Command, InvalidArgumentError } from 'commander';
import * as sqliteVec from 'sqlite-vec';
import { percentile } from '../src/eval/metrics.js';

const positiveInt = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

const options = new Command()
  .name('bench-dense-layouts')
  .option('--vectors <n>', 'vectors stored', positiveInt('--vectors'), 100_000)
  .option('--dims <n>', 'dimensions', positiveInt('--dims'), 384)
  .option('--queries <n>', 'queries per measurement', positiveInt('--queries'), 50)
  .option('--k <n>', 'neighbours', positiveInt('--k'), 10)
  .parse(process.argv)
  .opts<{ vectors: number; dims: number; queries: number; k: number }>();

let seed = 12345;
const rnd = (): number => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};
function unitVector(dims: number): Float32Array {
  const v = new Float32Array(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    v[i] = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    norm += (v[i] as number) ** 2;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < dims; i++) v[i] = (v[i] as number) / norm;
  return v;
}

const dir = mkdtempSync(join(os.tmpdir(), `rag-bench-layouts-${process.pid}-`));
const db = new Database(join(dir, 'layouts.db'));
try {
  db.pragma('journal_mode = WAL');
  sqliteVec.load(db);
  const { vectors: n, dims, k } = options;
  db.exec(`
    CREATE VIRTUAL TABLE vec_l2 USING vec0(embedding float[${dims}], chunk_size=256);
    CREATE VIRTUAL TABLE vec_cos USING vec0(embedding float[${dims}] distance_metric=cosine, chunk_size=256);
    CREATE TABLE blobs (rowid INTEGER PRIMARY KEY, embedding BLOB NOT NULL);
    CREATE TABLE subset (rowid INTEGER PRIMARY KEY, permille INTEGER NOT NULL);
    CREATE INDEX subset_by_permille ON subset(permille);
  `);
  process.stderr.write(`storing ${n} vectors of ${dims} dimensions three ways\n`);
  const insertL2 = db.prepare('INSERT INTO vec_l2 (rowid, embedding) VALUES (?, ?)');
  const insertCos = db.prepare('INSERT INTO vec_cos (rowid, embedding) VALUES (?, ?)');
  const insertBlob = db.prepare('INSERT INTO blobs (rowid, embedding) VALUES (?, ?)');
  const insertSubset = db.prepare('INSERT INTO subset (rowid, permille) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= n; i++) {
      const v = unitVector(dims);
      insertL2.run(BigInt(i), v);
      insertCos.run(BigInt(i), v);
      insertBlob.run(i, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
      insertSubset.run(i, i % 1000);
    }
  })();

  const queries = Array.from({ length: options.queries }, () => unitVector(dims));
  const time = (run: (q: Float32Array) => unknown): { p50: number; p95: number } => {
    for (const q of queries.slice(0, 3)) run(q);
    const ms = queries.map((q) => {
      const t0 = performance.now();
      run(q);
      return performance.now() - t0;
    });
    return { p50: Math.round(percentile(ms, 50) * 100) / 100, p95: Math.round(percentile(ms, 95) * 100) / 100 };
  };
  // A filter admitting `permille` thousandths of the rows, as a subquery of rowids (as the store builds it).
  const subset = (permille: number): string => `rowid IN (SELECT rowid FROM subset WHERE permille < ${permille})`;
  const layouts = [
    { name: 'vec0, L2 on unit vectors', sql: (where: string) => `SELECT rowid FROM vec_l2 WHERE embedding MATCH ? AND k = ${k}${where ? ` AND ${where}` : ''} ORDER BY distance` },
    { name: 'vec0, cosine metric', sql: (where: string) => `SELECT rowid FROM vec_cos WHERE embedding MATCH ? AND k = ${k}${where ? ` AND ${where}` : ''} ORDER BY distance` },
    { name: 'BLOB + vec_distance_l2', sql: (where: string) => `SELECT rowid FROM blobs${where ? ` WHERE ${where}` : ''} ORDER BY vec_distance_l2(embedding, ?) LIMIT ${k}` },
    { name: 'BLOB + vec_distance_cosine', sql: (where: string) => `SELECT rowid FROM blobs${where ? ` WHERE ${where}` : ''} ORDER BY vec_distance_cosine(embedding, ?) LIMIT ${k}` },
  ];
  const filters: Array<[string, string]> = [
    ['unfiltered', ''],
    ['0.1% rows', subset(1)],
    ['10% rows', subset(100)],
    ['50% rows', subset(500)],
  ];
  const pad = (s: string | number, w: number): string => String(s).padStart(w);
  console.log(`exact k-NN, ${n} x ${dims} float32, k=${k}, ${options.queries} queries: ms p50 / p95`);
  console.log(`${'layout'.padEnd(28)}${filters.map(([f]) => pad(f, 18)).join('')}${pad('100 deletes ms', 16)}`);
  const answers = new Map<string, string>();
  let agree = true;
  for (const layout of layouts) {
    const cells: string[] = [];
    for (const [label, where] of filters) {
      process.stderr.write(`${layout.name}: ${label}\n`);
      const stmt = db.prepare(layout.sql(where)).pluck();
      const t = time((q) => stmt.all(q));
      cells.push(pad(`${t.p50} / ${t.p95}`, 18));
      const answer = JSON.stringify(stmt.all(queries[0]));
      const first = answers.get(label);
      if (first === undefined) answers.set(label, answer);
      else if (first !== answer) agree = false;
    }
    const table = layout.sql('').match(/FROM (\w+)/)?.[1] ?? '';
    const del = db.prepare(`DELETE FROM ${table} WHERE rowid = ?`);
    const t0 = performance.now();
    db.transaction(() => {
      for (let i = 0; i < 100; i++) del.run(table === 'blobs' ? 1 + i * 997 : BigInt(1 + i * 997));
    })();
    console.log(`${layout.name.padEnd(28)}${cells.join('')}${pad(Math.round((performance.now() - t0) * 10) / 10, 16)}`);
  }
  console.log(agree ? 'all layouts return the same neighbours' : 'LAYOUTS DISAGREE');
  if (!agree) process.exitCode = 1;
} finally {
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
