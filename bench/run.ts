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
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_CONFIG_PATH } from '../src/cli/cli-config.js';
import { loadConfig } from '../src/core/config.js';
import { loadBeirDataset, type BeirQuery } from '../src/eval/beir-dataset.js';
import { Rag } from '../src/rag.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(BENCH_DIR, '..');
const SERVER_SCRIPT = join(BENCH_DIR, 'server-process.ts');

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

type Endpoint = 'retrieve' | 'query';

interface IngestFigures {
  docs: number;
  chunks: number;
  seconds: number;
  docs_per_s: number;
  chunks_per_s: number;
}

interface LoadFigures {
  concurrency: number;
  qps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non2xx: number;
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

const positiveInt = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

const nonNegativeNumber = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number >= 0`);
  return n;
};

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

// ---------------------------------------------------------------------------------------------------------------
// Cleanup: every exit path (normal, error, SIGINT/SIGTERM) stops the load, the child and removes temporary files.

const state: {
  child: ChildProcess | null;
  instance: autocannon.Instance | null;
  rag: Rag | null;
  tempDir: string | null;
  interrupted: boolean;
} = { child: null, instance: null, rag: null, tempDir: null, interrupted: false };

function closeRag(): void {
  const rag = state.rag;
  state.rag = null;
  if (rag) {
    try {
      // The store closes synchronously inside close(); only the cache's connection is left to the event loop.
      void rag.close();
    } catch {
      // Already closed or mid-transaction on interrupt: the files are about to be removed anyway.
    }
  }
}

function removeTemp(): void {
  if (state.tempDir) {
    rmSync(state.tempDir, { recursive: true, force: true });
    state.tempDir = null;
  }
}

async function stopServer(graceMs: number): Promise<void> {
  const child = state.child;
  state.child = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

function onSignal(signal: NodeJS.Signals): void {
  if (state.interrupted) return;
  state.interrupted = true;
  // Everything that matters happens synchronously here: under `npx tsx`/`npm run`, tsx's launcher SIGKILLs this
  // process about 60 ms after relaying a Ctrl-C, so nothing after the first await can be relied upon.
  process.stderr.write(`\n${signal}: stopping the load and the server, removing temporary files\n`);
  state.instance?.stop();
  closeRag();
  const stopped = stopServer(5000); // sends SIGTERM synchronously, then waits
  removeTemp();
  void stopped.finally(() => process.exit(130));
}

/** Temporary stores left by runs that were killed outright (SIGKILL): their owning process is gone. */
function sweepStaleTemp(): void {
  const dir = os.tmpdir();
  for (const entry of readdirSync(dir)) {
    const m = /^rag-bench-(\d+)-/.exec(entry);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

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

async function ingest(corpusPath: string, storePath: string, configFile: string | undefined): Promise<{ ingest: IngestFigures; indexBuildMs: number; indexedChunks: number }> {
  const files = [DEFAULT_CONFIG_PATH];
  if (configFile) files.push(configFile);
  const config = loadConfig({ files, overrides: { store: { path: storePath }, bootstrap: { ingestOnEmpty: false } } });
  const rag = new Rag(config);
  state.rag = rag;
  const tty = process.stderr.isTTY;
  const started = performance.now();
  const result = await rag.ingestPaths([corpusPath], {
    batchSize: 1000,
    onProgress: (done) => {
      if (tty) process.stderr.write(`\r  ingested ${done} documents...`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  if (tty) process.stderr.write('\r\x1b[K');
  const warmStarted = performance.now();
  const indexedChunks = rag.warm();
  const indexBuildMs = performance.now() - warmStarted;
  closeRag();
  return {
    ingest: {
      docs: result.documents,
      chunks: result.chunks,
      seconds: round(seconds, 3),
      docs_per_s: round(result.documents / seconds),
      chunks_per_s: round(result.chunks / seconds),
    },
    indexBuildMs: round(indexBuildMs),
    indexedChunks,
  };
}

async function startServer(storePath: string, options: CliOptions): Promise<{ port: number; chunks: number; warmMs: number }> {
  const nodeArgs: string[] = [];
  if (options.serverCpuProf) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${resolve(options.serverCpuProf)}`);
  const args = [...nodeArgs, '--import', 'tsx', SERVER_SCRIPT, storePath];
  if (options.config) args.push(resolve(options.config));
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  state.child = child;
  return new Promise((res, rej) => {
    let settled = false;
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => fail(new Error('server did not report its port within 120 s')), 120_000);
    function fail(err: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      rej(err);
    }
    lines.on('line', (line) => {
      if (settled) {
        note(`[server] ${line}`);
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        note(`[server] ${line}`);
        return;
      }
      if (typeof parsed === 'object' && parsed !== null && 'port' in parsed && typeof parsed.port === 'number') {
        settled = true;
        clearTimeout(timer);
        const chunks = 'chunks' in parsed && typeof parsed.chunks === 'number' ? parsed.chunks : 0;
        const warmMs = 'warmMs' in parsed && typeof parsed.warmMs === 'number' ? parsed.warmMs : 0;
        res({ port: parsed.port, chunks, warmMs });
      } else note(`[server] ${line}`);
    });
    child.once('error', (err) => fail(err));
    child.once('exit', (code, signal) => {
      fail(new Error(`server process exited before listening (code ${String(code)}, signal ${String(signal)})`));
      if (!state.interrupted && state.child === child) {
        // Died during the load: autocannon will record errors; say why here.
        note(`!!! server process exited unexpectedly (code ${String(code)}, signal ${String(signal)})`);
      }
    });
  });
}

const ENDPOINT_PATH: Record<Endpoint, string> = { retrieve: '/v1/retrieve', query: '/v1/query' };

function bodiesFor(endpoint: Endpoint, queries: BeirQuery[]): Buffer[] {
  return queries.map((q) => Buffer.from(JSON.stringify(endpoint === 'retrieve' ? { query: q.text, k: 10 } : { query: q.text })));
}

/** One request with each body, checking the status and the response shape before any load. */
async function smokeTest(base: string, endpoint: Endpoint, body: Buffer): Promise<string> {
  const res = await fetch(`${base}${ENDPOINT_PATH[endpoint]}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body.toString(),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${ENDPOINT_PATH[endpoint]} answered ${res.status}: ${text.slice(0, 500)}`);
  const json: unknown = JSON.parse(text);
  if (endpoint === 'retrieve') {
    if (typeof json !== 'object' || json === null || !('hits' in json) || !Array.isArray(json.hits)) {
      throw new Error(`/v1/retrieve response has no hits array: ${text.slice(0, 300)}`);
    }
    return `${json.hits.length} hits`;
  }
  if (typeof json !== 'object' || json === null || !('answer' in json) || typeof json.answer !== 'string') {
    throw new Error(`/v1/query response has no answer: ${text.slice(0, 300)}`);
  }
  const abstained = 'abstained' in json && json.abstained === true;
  return `answer ${JSON.stringify(json.answer.slice(0, 60))}${json.answer.length > 60 ? '…' : ''}${abstained ? ' (abstained)' : ''}`;
}

function runAutocannon(url: string, path: string, bodies: Buffer[], connections: number, duration: number, sink: { seen: Set<number>; samples: string[]; next: number }): Promise<autocannon.Result> {
  const requests: autocannon.Request[] = [
    {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json' },
      // Called before every request: each one takes the next query of the dataset, shared across connections.
      setupRequest: (request) => {
        const i = sink.next++ % bodies.length;
        const body = bodies[i]!;
        sink.seen.add(i);
        if (sink.samples.length < 3) sink.samples.push(body.toString());
        return { ...request, body };
      },
    },
  ];
  return new Promise((res, rej) => {
    const instance = autocannon({ url, connections, duration, requests, timeout: 10 }, (err: unknown, result: autocannon.Result) => {
      state.instance = null;
      if (err) rej(err instanceof Error ? err : new Error(String(err)));
      else res(result);
    });
    state.instance = instance;
  });
}

async function load(base: string, endpoint: Endpoint, queries: BeirQuery[], options: CliOptions): Promise<LoadRun> {
  const path = ENDPOINT_PATH[endpoint];
  const bodies = bodiesFor(endpoint, queries);
  note(`  ${path}: smoke test ok (${await smokeTest(base, endpoint, bodies[0]!)})`);
  let warmup: autocannon.Result | null = null;
  if (options.warmup > 0) {
    note(`  ${path}: warm-up ${options.warmup} s at ${options.concurrency} connections...`);
    warmup = await runAutocannon(base, path, bodies, options.concurrency, options.warmup, { seen: new Set(), samples: [], next: 0 });
  }
  note(`  ${path}: measuring ${options.duration} s at ${options.concurrency} connections...`);
  const sink = { seen: new Set<number>(), samples: [] as string[], next: 0 };
  const result = await runAutocannon(base, path, bodies, options.concurrency, options.duration, sink);
  return {
    endpoint,
    path,
    result,
    warmup,
    distinctBodies: sink.seen.size,
    totalBodies: bodies.length,
    sampleBodies: sink.samples,
    figures: {
      concurrency: result.connections,
      qps: round(result.requests.average),
      p50_ms: result.latency.p50,
      p99_ms: result.latency.p99,
      errors: result.errors,
      non2xx: result.non2xx,
    },
  };
}

/** After a failed load: replay each body once to show what the server says. */
async function diagnoseFailures(base: string, endpoint: Endpoint, queries: BeirQuery[]): Promise<string[]> {
  const bodies = bodiesFor(endpoint, queries);
  const failures: string[] = [];
  for (const [i, body] of bodies.entries()) {
    try {
      const res = await fetch(`${base}${ENDPOINT_PATH[endpoint]}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body.toString() });
      const text = await res.text();
      if (res.status < 200 || res.status >= 300) failures.push(`query ${queries[i]!.id} -> ${res.status} ${text.slice(0, 200)}`);
    } catch (err) {
      failures.push(`query ${queries[i]!.id} -> ${(err as Error).message}`);
    }
    if (failures.length >= 5) break;
  }
  return failures;
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
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const datasetDir = resolve(options.dataset);
  const dataset = loadBeirDataset(datasetDir, options.split);
  if (dataset.queries.length === 0) throw new Error(`no ${options.split} queries in ${datasetDir}`);

  let storePath: string;
  if (options.store) {
    storePath = resolve(options.store);
    if (existsSync(storePath)) throw new Error(`--store ${storePath} already exists: give a path for a fresh store`);
  } else {
    sweepStaleTemp();
    state.tempDir = mkdtempSync(join(os.tmpdir(), `rag-bench-${process.pid}-`));
    storePath = join(state.tempDir, 'bench.db');
  }

  note(`ingesting ${dataset.corpusPath} into ${storePath} (batches of 1000)...`);
  const { ingest: ing, indexBuildMs, indexedChunks } = await ingest(dataset.corpusPath, storePath, options.config);
  note(`  ${ing.docs} docs, ${ing.chunks} chunks in ${ing.seconds} s; index build ${indexBuildMs} ms`);

  note(`starting the server process${options.serverCpuProf ? ` (CPU profile into ${resolve(options.serverCpuProf)})` : ''}...`);
  const server = await startServer(storePath, options);
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
        const codes = Object.entries(run.result.statusCodeStats ?? {})
          .map(([code, s]) => `${code}: ${s.count ?? 0}`)
          .join(', ');
        failures.push(
          `${run.path}: ${run.figures.non2xx} non-2xx responses, ${run.figures.errors} errors (${run.result.timeouts} timeouts) in the measured run` +
            (run.warmup ? `; ${run.warmup.non2xx} non-2xx, ${run.warmup.errors} errors in the warm-up` : '') +
            ` [status codes: ${codes}]`,
        );
        for (const f of await diagnoseFailures(base, endpoint, dataset.queries)) failures.push(`    ${f}`);
      }
    }
    if (options.spans) for (const endpoint of options.endpoints) spanSummaries.push(await spanBreakdown(base, endpoint, dataset.queries));
  } finally {
    await stopServer(options.serverCpuProf ? 60_000 : 10_000);
  }

  const datasetName = datasetDir.split(/[\\/]/).filter((p) => p.length > 0).pop() ?? datasetDir;
  printTable(datasetName, ing.docs, dataset.queries.length, ing, indexBuildMs, indexedChunks, server.warmMs, runs);
  if (spanSummaries.length > 0) printSpans(spanSummaries);

  if (failures.length > 0) {
    // On stdout with the table, and on stderr so it is seen even when stdout goes to a file or a JSON parser.
    const banner = [
      '!'.repeat(96),
      '!!! FAILED REQUESTS: the figures above include failed requests and are not valid (exit code 1).',
      ...failures.map((f) => `!!! ${f}`),
      '!'.repeat(96),
    ];
    out();
    for (const line of banner) out(line);
    if (!process.stdout.isTTY) for (const line of banner) note(line);
  }
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

main()
  .then(async (code) => {
    closeRag();
    await stopServer(10_000);
    removeTemp();
    process.exitCode = code;
  })
  .catch(async (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    closeRag();
    await stopServer(10_000);
    removeTemp();
    process.exitCode = 1;
  });
