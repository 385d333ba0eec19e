/**
 * End-to-end benchmark: ingestion throughput, index build time, and HTTP throughput/latency of /v1/retrieve and
 * /v1/query under load, on a BEIR dataset.
 *
 *   npx tsx bench/run.ts --dataset ../shared/datasets/scifact [--concurrency 32] [--duration 20] [--store <path>] [--json]
 *   npm run bench -- --dataset ../shared/datasets/scifact
 *
 * The server runs in a child process (bench/server-process.ts) so that autocannon, in this process, does not
 * compete with it for an event loop. See bench/README.md for what each figure means and the targets.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import type autocannon from 'autocannon';
import { Command, InvalidArgumentError } from 'commander';
import { loadBeirDataset, type BeirQuery } from '../src/eval/beir-dataset.js';
import { BenchCleanup } from './bench-cleanup.js';
import { buildBenchStore, type IngestFigures } from './bench-ingest.js';
import { bodiesFor, diagnoseFailures, ENDPOINT_PATH, figuresOf, newSink, printFailureBanner, runAutocannon, smokeTest, statusCodes, type Endpoint, type LoadFigures } from './http-load.js';
import { nonNegativeNumber, positiveInt } from './cli-numbers.js';
import { ServerChild } from './server-child.js';

/** The targets for the reference 2-core machine (see bench/README.md). */
const TARGETS = {
  ingestDocsPerS: 2000,
  retrieveQps: 1000,
  queryQps: 300,
  queryP50Ms: 10,
} as const;

interface CliOptions {
  dataset: string;
  split: string;
  concurrency: number;
  duration: number;
  warmup: number;
  store?: string;
  config?: string;
  endpoints: Endpoint[];
  json: boolean;
  spans: boolean;
  serverCpuProf?: string;
}

interface LoadRun {
  endpoint: Endpoint;
  path: string;
  figures: LoadFigures;
  result: autocannon.Result;
  warmup: autocannon.Result | null;
  distinctBodies: number;
  totalBodies: number;
  sampleBodies: string[];
}

interface SpanSummary {
  endpoint: Endpoint;
  requests: number;
  clientMeanMs: number;
  serverMeanMs: number;
  spans: { name: string; meanMs: number; count: number }[];
}

interface BenchReport {
  ingest: IngestFigures;
  index_build_ms: number;
  retrieve: LoadFigures | null;
  query: LoadFigures | null;
  machine: { cpus: number; node: string };
}

// ---------------------------------------------------------------------------------------------------------------
// Argument parsing

const endpointList = (value: string): Endpoint[] => {
  const parts = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const out: Endpoint[] = [];
  for (const p of parts) {
    if (p !== 'retrieve' && p !== 'query') throw new InvalidArgumentError(`unknown endpoint "${p}" (retrieve, query)`);
    if (!out.includes(p)) out.push(p);
  }
  if (out.length === 0) throw new InvalidArgumentError('name at least one endpoint');
  return out;
};

function parseArgs(argv: string[]): CliOptions {
  const program = new Command()
    .name('bench')
    .description('Benchmark ingestion, index build and HTTP load (/v1/retrieve, /v1/query) on a BEIR dataset')
    .requiredOption('--dataset <dir>', 'BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv)')
    .option('--split <name>', 'qrels split whose queries drive the load', 'test')
    .option('--concurrency <n>', 'concurrent HTTP connections', positiveInt('--concurrency'), 32)
    .option('--duration <s>', 'seconds of measured load per endpoint', nonNegativeNumber('--duration'), 20)
    .option('--warmup <s>', 'seconds of unmeasured load before each measured run', nonNegativeNumber('--warmup'), 3)
    .option('--store <path>', 'build the SQLite store here (must not exist; kept afterwards) instead of a temporary file')
    .option('--config <file>', 'extra config file layered over config/default.yaml (e.g. another engine or pipeline)')
    .option('--endpoints <list>', 'comma-separated endpoints to load: retrieve,query', endpointList, ['retrieve', 'query'] as Endpoint[])
    .option('--json', 'print a JSON summary as the last line of stdout', false)
    .option('--spans', 'after the load, replay every query once sequentially and print the mean time of each server-side trace span', false)
    .option('--server-cpu-prof <dir>', 'run the server with node --cpu-prof, writing the .cpuprofile into <dir>')
    .showHelpAfterError()
    .parse(argv);
  const opts = program.opts<CliOptions>();
  if (opts.duration <= 0) program.error('--duration must be > 0');
  return opts;
}

const cleanup = new BenchCleanup();

// ---------------------------------------------------------------------------------------------------------------
// Steps

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};
const note = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const round = (n: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

const onInstance = (instance: autocannon.Instance | null): void => {
  cleanup.instance = instance;
};

async function load(base: string, endpoint: Endpoint, queries: BeirQuery[], options: CliOptions): Promise<LoadRun> {
  const path = ENDPOINT_PATH[endpoint];
  const bodies = bodiesFor(endpoint, queries);
  note(`  ${path}: smoke test ok (${await smokeTest(base, endpoint, bodies[0]!)})`);
  let warmup: autocannon.Result | null = null;
  if (options.warmup > 0) {
    note(`  ${path}: warm-up ${options.warmup} s at ${options.concurrency} connections...`);
    warmup = await runAutocannon({ url: base, path, bodies, connections: options.concurrency, duration: options.warmup, sink: newSink(), onInstance });
  }
  note(`  ${path}: measuring ${options.duration} s at ${options.concurrency} connections...`);
  const sink = newSink();
  const result = await runAutocannon({ url: base, path, bodies, connections: options.concurrency, duration: options.duration, sink, onInstance });
  return {
    endpoint,
    path,
    result,
    warmup,
    distinctBodies: sink.seen.size,
    totalBodies: bodies.length,
    sampleBodies: sink.samples,
    figures: figuresOf(result),
  };
}

/** Replays every query once, one at a time, and averages the server's own trace spans. */
async function spanBreakdown(base: string, endpoint: Endpoint, queries: BeirQuery[]): Promise<SpanSummary> {
  const bodies = bodiesFor(endpoint, queries);
  const totals = new Map<string, { ms: number; count: number }>();
  let server = 0;
  let client = 0;
  let n = 0;
  for (const body of bodies) {
    const started = performance.now();
    const res = await fetch(`${base}${ENDPOINT_PATH[endpoint]}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body.toString() });
    const json: unknown = await res.json();
    client += performance.now() - started;
    if (res.status !== 200 || typeof json !== 'object' || json === null || !('trace' in json)) continue;
    const trace = json.trace;
    if (typeof trace !== 'object' || trace === null || !('totalMs' in trace) || !('spans' in trace) || !Array.isArray(trace.spans)) continue;
    n++;
    if (typeof trace.totalMs === 'number') server += trace.totalMs;
    for (const span of trace.spans as unknown[]) {
      if (typeof span !== 'object' || span === null || !('name' in span) || !('ms' in span)) continue;
      if (typeof span.name !== 'string' || typeof span.ms !== 'number') continue;
      const t = totals.get(span.name) ?? { ms: 0, count: 0 };
      t.ms += span.ms;
      t.count++;
      totals.set(span.name, t);
    }
  }
  return {
    endpoint,
    requests: n,
    clientMeanMs: round(client / Math.max(1, bodies.length), 3),
    serverMeanMs: round(server / Math.max(1, n), 3),
    spans: [...totals].map(([name, t]) => ({ name, meanMs: round(t.ms / Math.max(1, n), 3), count: t.count })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Output

const pad = (s: string | number, w: number): string => String(s).padEnd(w);
const padL = (s: string | number, w: number): string => String(s).padStart(w);
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function targetFor(endpoint: Endpoint, f: LoadFigures): { text: string; met: boolean } {
  if (endpoint === 'retrieve') {
    const met = f.qps >= TARGETS.retrieveQps;
    return { text: `QPS >= ${fmt(TARGETS.retrieveQps)}`, met };
  }
  const met = f.qps >= TARGETS.queryQps && f.p50_ms <= TARGETS.queryP50Ms;
  return { text: `QPS >= ${TARGETS.queryQps}, p50 <= ${TARGETS.queryP50Ms} ms`, met };
}

/** Mean response size: bytes per second over responses per second. */
const bytesPerResponse = (r: autocannon.Result): number => (r.requests.average > 0 ? r.throughput.average / r.requests.average : 0);

function printTable(datasetName: string, docsInCorpus: number, queries: number, ing: IngestFigures, indexBuildMs: number, indexedChunks: number, serverWarmMs: number, runs: LoadRun[]): void {
  const cpus = os.availableParallelism();
  out();
  out(`benchmark: ${datasetName} (${fmt(docsInCorpus)} documents, ${queries} ${queries === 1 ? 'query' : 'queries'}), node ${process.version}, ${cpus} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'})`);
  out();
  const ingestMet = ing.docs_per_s >= TARGETS.ingestDocsPerS;
  out(`ingest       ${fmt(ing.docs)} docs, ${fmt(ing.chunks)} chunks in ${ing.seconds.toFixed(2)} s = ${fmt(ing.docs_per_s)} docs/s, ${fmt(ing.chunks_per_s)} chunks/s   [target >= ${fmt(TARGETS.ingestDocsPerS)} docs/s: ${ingestMet ? 'met' : 'MISSED'}]`);
  out(`index build  ${fmt(indexBuildMs, 1)} ms for ${fmt(indexedChunks)} chunks (rag.warm(), in-memory BM25; the server's own warm took ${fmt(serverWarmMs, 1)} ms)`);
  if (runs.length === 0) return;
  out();
  const header = `${pad('endpoint', 14)}${padL('conn', 6)}${padL('QPS', 10)}${padL('p50 ms', 9)}${padL('p99 ms', 9)}${padL('requests', 10)}${padL('non-2xx', 9)}${padL('errors', 8)}${padL('KB/resp', 9)}   target`;
  out(header);
  out('-'.repeat(header.length + 30));
  for (const r of runs) {
    const f = r.figures;
    const t = targetFor(r.endpoint, f);
    const failed = f.non2xx > 0 || f.errors > 0;
    out(
      `${pad(r.path, 14)}${padL(f.concurrency, 6)}${padL(fmt(f.qps, 1), 10)}${padL(f.p50_ms, 9)}${padL(f.p99_ms, 9)}${padL(fmt(r.result.requests.total), 10)}${padL(f.non2xx, 9)}${padL(f.errors, 8)}${padL(fmt(bytesPerResponse(r.result) / 1024, 1), 9)}   ${t.text}: ${failed ? 'INVALID (failed requests)' : t.met ? 'met' : 'MISSED'}`,
    );
  }
  out();
  for (const r of runs) {
    out(`${r.path}: sent ${r.distinctBodies} distinct query bodies of ${r.totalBodies} (rotating); first bodies sent:`);
    for (const s of r.sampleBodies) out(`    ${s.length > 110 ? `${s.slice(0, 110)}…` : s}`);
  }
  const q = runs.find((r) => r.endpoint === 'query');
  if (q && q.figures.qps > 0 && q.figures.concurrency * 1000 > TARGETS.queryP50Ms * q.figures.qps) {
    // Little's law for a closed loop: each connection waits for its answer, so latency ~ connections / throughput.
    out();
    out(`note: with ${q.figures.concurrency} connections in a closed loop, latency ~ connections / QPS = ${fmt((q.figures.concurrency / q.figures.qps) * 1000, 1)} ms for /v1/query;`);
    out(`      a p50 <= ${TARGETS.queryP50Ms} ms at ${q.figures.concurrency} connections needs >= ${fmt((q.figures.concurrency * 1000) / TARGETS.queryP50Ms)} QPS (run --concurrency 1..3 to see the service latency).`);
  }
}

function printSpans(summaries: SpanSummary[]): void {
  for (const s of summaries) {
    out();
    out(`${ENDPOINT_PATH[s.endpoint]} sequential replay (${s.requests} requests, one at a time): client ${fmt(s.clientMeanMs, 3)} ms, server trace.totalMs ${fmt(s.serverMeanMs, 3)} ms per request`);
    for (const span of s.spans) out(`    ${pad(span.name, 28)}${padL(fmt(span.meanMs, 3), 10)} ms${span.count !== s.requests ? `  (in ${span.count} requests)` : ''}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const options = parseArgs(process.argv);

  const datasetDir = resolve(options.dataset);
  const dataset = loadBeirDataset(datasetDir, options.split);
  if (dataset.queries.length === 0) throw new Error(`no ${options.split} queries in ${datasetDir}`);

  let storePath: string;
  if (options.store) {
    storePath = resolve(options.store);
    if (existsSync(storePath)) throw new Error(`--store ${storePath} already exists: give a path for a fresh store`);
  } else {
    storePath = join(cleanup.tempDirectory(), 'bench.db');
  }

  note(`ingesting ${dataset.corpusPath} into ${storePath} (batches of 1000)...`);
  const { ingest: ing, indexBuildMs, indexedChunks } = await buildBenchStore(dataset.corpusPath, storePath, options.config, (rag) => {
    cleanup.rag = rag;
  });
  note(`  ${ing.docs} docs, ${ing.chunks} chunks in ${ing.seconds} s; index build ${indexBuildMs} ms`);

  note(`starting the server process${options.serverCpuProf ? ` (CPU profile into ${resolve(options.serverCpuProf)})` : ''}...`);
  const server = await ServerChild.start(storePath, { config: options.config, cpuProfDir: options.serverCpuProf, note });
  cleanup.server = server;
  const base = `http://127.0.0.1:${server.port}`;
  note(`  listening on ${base} (${server.chunks} chunks, warmed in ${server.warmMs} ms)`);

  const runs: LoadRun[] = [];
  const spanSummaries: SpanSummary[] = [];
  const failures: string[] = [];
  try {
    for (const endpoint of options.endpoints) {
      const run = await load(base, endpoint, dataset.queries, options);
      runs.push(run);
      const warmBad = run.warmup ? run.warmup.non2xx + run.warmup.errors : 0;
      if (run.figures.non2xx > 0 || run.figures.errors > 0 || warmBad > 0) {
        failures.push(
          `${run.path}: ${run.figures.non2xx} non-2xx responses, ${run.figures.errors} errors (${run.result.timeouts} timeouts) in the measured run` +
            (run.warmup ? `; ${run.warmup.non2xx} non-2xx, ${run.warmup.errors} errors in the warm-up` : '') +
            ` [status codes: ${statusCodes(run.result)}]`,
        );
        for (const f of await diagnoseFailures(base, endpoint, dataset.queries)) failures.push(`    ${f}`);
      }
    }
    if (options.spans) for (const endpoint of options.endpoints) spanSummaries.push(await spanBreakdown(base, endpoint, dataset.queries));
  } finally {
    await cleanup.stopServer(options.serverCpuProf ? 60_000 : 10_000);
  }

  const datasetName = datasetDir.split(/[\\/]/).filter((p) => p.length > 0).pop() ?? datasetDir;
  printTable(datasetName, ing.docs, dataset.queries.length, ing, indexBuildMs, indexedChunks, server.warmMs, runs);
  if (spanSummaries.length > 0) printSpans(spanSummaries);

  printFailureBanner(failures);
  if (options.serverCpuProf) note(`server CPU profile written under ${resolve(options.serverCpuProf)}`);

  if (options.json) {
    const report: BenchReport = {
      ingest: ing,
      index_build_ms: indexBuildMs,
      retrieve: runs.find((r) => r.endpoint === 'retrieve')?.figures ?? null,
      query: runs.find((r) => r.endpoint === 'query')?.figures ?? null,
      machine: { cpus: os.availableParallelism(), node: process.version },
    };
    out(JSON.stringify(report));
  }
  return failures.length > 0 ? 1 : 0;
}

cleanup.run(main);
