import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSqliteVec } from '../../src/store/chunk-vectors.js';
import { HashingEmbedder } from '../helpers/hashing-embedder.js';
import { okBody, postJson, startHttpFixture } from '../helpers/http-fixture.js';
import { batchMarker, docId, WORKER_CHUNKING, WORKER_EMBEDDER } from '../helpers/ingest-worker.js';
import { mulberry32 } from '../helpers/random.js';
import { makeTempDir } from '../helpers/tmp.js';

/**
 * kill -9 during ingestion: a child process ingests batches into a SQLite store (parse, chunk, embed, one write
 * transaction with FTS5 rows and vectors) and prints when each batch's write transaction starts and when it is
 * committed; the test SIGKILLs it at a seeded point within the time a write takes, so inside the transaction
 * (or, on a slow turn, just after its commit), three times over. After each kill the store is opened again and must be whole: SQLite's
 * integrity check and FTS5's pass, the FTS5 index and the vectors hold exactly the stored chunks, every
 * acknowledged batch is there in full, and the batch in flight is there entirely or not at all. The next child
 * retries the unacknowledged batch, as a client would. At the end a server starts on the store and answers.
 */

const WORKER = join(import.meta.dirname, '../helpers/ingest-worker.ts');
const DOCS_PER_BATCH = 200;
const CYCLES = 3;
const SEED = 0xc4a5;

interface Run {
  acked: number[];
  inFlight: number;
  /** Whether the batch in flight was found committed after the kill (it died between commit and ack). */
  inFlightCommitted?: boolean;
}

/** Starts a worker at batch `first` and SIGKILLs it `delay(writeMs)` ms after batch `killAt`'s write began. */
async function ingestUntilKilled(store: string, first: number, killAt: number, delay: (writeMs: number) => number): Promise<Run> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', WORKER, store, String(first), String(DOCS_PER_BATCH)], {
    cwd: join(import.meta.dirname, '../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const acked: number[] = [];
  let writeMs = 0;
  let inFlight = -1;
  for await (const line of createInterface({ input: child.stdout! })) {
    const [what, n, ms] = line.split(' ').map((x, i) => (i === 0 ? x : Number(x))) as [string, number, number];
    if (what === 'ack') {
      acked.push(n);
      // The latest write's time, as this busy machine runs them now.
      writeMs = ms;
    }
    if (what !== 'write' || n < killAt) continue;
    inFlight = n;
    await new Promise((r) => setTimeout(r, delay(writeMs)));
    child.kill('SIGKILL');
    break;
  }
  const signal = await exited;
  if (signal !== 'SIGKILL') throw new Error(`the worker ended by itself (${String(signal)}): ${stderr}`);
  return { acked, inFlight };
}

interface StoreState {
  integrity: string;
  /** Chunks per batch, and documents per batch. */
  chunks: Map<number, number>;
  documents: Map<number, number>;
  /** Documents whose recorded chunk count differs from the chunks stored. */
  chunkCountMismatches: number;
  chunkRowids: number[];
  ftsRowids: number[];
  vectorRowids: number[];
  /** FTS5 hits for each batch's marker word. */
  markerHits: Map<number, number>;
  version: number;
}

function inspect(path: string, batches: number): StoreState {
  const db = new Database(path);
  try {
    loadSqliteVec(db);
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    // Throws when the FTS5 index is damaged.
    db.prepare("INSERT INTO chunks_fts(chunks_fts) VALUES('integrity-check')").run();
    const rowids = (sql: string): number[] => (db.prepare(sql).all() as Array<{ rowid: number }>).map((r) => Number(r.rowid)).sort((a, b) => a - b);
    const perBatch = (sql: string): Map<number, number> =>
      new Map((db.prepare(sql).all() as Array<{ batch: number; n: number }>).map((r) => [r.batch, r.n]));
    const batchOf = "CAST(substr(d.id, 2, instr(d.id, '-') - 2) AS INTEGER)";
    const markerHits = new Map<number, number>();
    for (let b = 0; b < batches; b++) {
      markerHits.set(b, (db.prepare('SELECT count(*) AS n FROM chunks_fts WHERE chunks_fts MATCH ?').get(batchMarker(b)) as { n: number }).n);
    }
    return {
      integrity,
      chunks: perBatch(`SELECT ${batchOf} AS batch, count(*) AS n FROM chunks c JOIN documents d ON d.seq = c.doc_seq GROUP BY batch`),
      documents: perBatch(`SELECT ${batchOf} AS batch, count(*) AS n FROM documents d GROUP BY batch`),
      chunkCountMismatches: (db.prepare('SELECT count(*) AS n FROM documents d WHERE chunk_count != (SELECT count(*) FROM chunks c WHERE c.doc_seq = d.seq)').get() as { n: number }).n,
      chunkRowids: rowids('SELECT rowid FROM chunks'),
      ftsRowids: rowids('SELECT rowid FROM chunks_fts'),
      vectorRowids: rowids('SELECT rowid FROM chunks_vec'),
      markerHits,
      version: Number((db.prepare("SELECT value FROM meta WHERE key = 'version'").get() as { value: string } | undefined)?.value ?? 0),
    };
  } finally {
    db.close();
  }
}

describe('kill -9 during ingestion, then restart', () => {
  const tmp = makeTempDir('rag-crash-');
  const store = join(tmp.dir, 'crash.db');
  const rnd = mulberry32(SEED);
  const runs: Run[] = [];
  let chunksPerBatch = 0;

  beforeAll(async () => {
    let next = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      // Two or three whole batches, then a kill aimed inside the next one's write transaction.
      const killAt = next + 2 + Math.floor(rnd() * 2);
      const run = await ingestUntilKilled(store, next, killAt, (writeMs) => writeMs * 0.8 * rnd());
      const state = inspect(store, run.inFlight + 1);
      runs.push({ ...run, inFlightCommitted: state.documents.get(run.inFlight) === DOCS_PER_BATCH });
      chunksPerBatch ||= state.chunks.get(0) ?? 0;
      // The next worker starts with the batch that was not acknowledged, as a client retrying it would.
      next = run.inFlight;
      expect(state.integrity, `cycle ${cycle}`).toBe('ok');
    }
  }, 120_000);
  afterAll(() => tmp.cleanup());

  it('killed each worker with a batch in flight, after acknowledged ones', () => {
    expect(runs).toHaveLength(CYCLES);
    for (const run of runs) {
      expect(run.acked.length).toBeGreaterThanOrEqual(2);
      expect(run.acked).not.toContain(run.inFlight);
    }
    expect(chunksPerBatch).toBeGreaterThanOrEqual(DOCS_PER_BATCH * 2);
    // At least one kill cut a write transaction short (the others may have come just after a commit).
    expect(runs.some((r) => !r.inFlightCommitted)).toBe(true);
  });

  it('leaves a store that passes SQLite\'s and FTS5\'s integrity checks, with FTS5 rows and vectors for exactly the stored chunks', () => {
    const last = runs.at(-1)!;
    const state = inspect(store, last.inFlight + 1);
    expect(state.integrity).toBe('ok');
    expect(state.chunkCountMismatches).toBe(0);
    expect(state.ftsRowids).toEqual(state.chunkRowids);
    expect(state.vectorRowids).toEqual(state.chunkRowids);
  });

  it('holds every acknowledged batch in full, the batch in flight whole or not at all, and nothing else', () => {
    const last = runs.at(-1)!;
    const state = inspect(store, last.inFlight + 1);
    const acked = new Set(runs.flatMap((r) => r.acked));
    for (let b = 0; b <= last.inFlight; b++) {
      const docs = state.documents.get(b) ?? 0;
      const chunks = state.chunks.get(b) ?? 0;
      if (acked.has(b)) {
        expect(docs, `batch ${b} was acknowledged`).toBe(DOCS_PER_BATCH);
      } else {
        expect(b, 'only the last batch in flight can be unacknowledged: the others were retried').toBe(last.inFlight);
        expect([0, DOCS_PER_BATCH], `batch ${b} was in flight`).toContain(docs);
      }
      expect(chunks).toBe(docs === 0 ? 0 : chunksPerBatch);
      // FTS5 finds exactly the batch's chunks by its marker word.
      expect(state.markerHits.get(b), `FTS5 hits of batch ${b}`).toBe(chunks);
    }
    // The version counts commits, one per batch: every acknowledged one, and each in-flight one found committed.
    const commits = runs.reduce((n, r) => n + r.acked.length + (r.inFlightCommitted ? 1 : 0), 0);
    expect(state.version).toBe(commits);
  });

  it('serves from the store after the crash: the server starts, counts it, and finds the last acknowledged batch by words and by vectors', async () => {
    const fx = await startHttpFixture(
      { store: { path: store }, chunking: WORKER_CHUNKING, bootstrap: { ingestOnEmpty: false } },
      { embedder: new HashingEmbedder(WORKER_EMBEDDER) },
    );
    try {
      const state = inspect(store, runs.at(-1)!.inFlight + 1);
      const ready = okBody<{ ready: boolean; documents: number; chunks: number }>(await fx.app.inject({ method: 'GET', url: '/readyz' }));
      expect(ready).toMatchObject({ ready: true, chunks: state.chunkRowids.length });
      const lastAcked = Math.max(...runs.flatMap((r) => r.acked));
      for (const retriever of ['bm25', 'dense', 'hybrid']) {
        const body = okBody<{ hits: Array<{ docId: string }> }>(await postJson(fx.app, '/v1/retrieve', { query: `${batchMarker(lastAcked)} paragraph`, k: 5, retriever }));
        expect(body.hits.length, retriever).toBeGreaterThan(0);
        if (retriever === 'bm25') expect(body.hits.every((h) => h.docId.startsWith(`b${lastAcked}-`))).toBe(true);
      }
      // The store still takes writes: a batch replacing a crashed-over document commits.
      const res = await postJson(fx.app, '/v1/documents', { documents: [{ id: docId(0, 0), text: 'Replaced after the crash.' }] });
      expect(res.statusCode, res.body).toBe(200);
    } finally {
      await fx.close();
    }
  });
});
