/**
 * Load and soak of the embedded default: a BEIR corpus indexed, then
 *  1. load: `/v1/query` in a closed loop at `--concurrency` connections for `--duration` s: QPS, p50/p99, failed
 *     requests (must be 0) and the server's peak RSS;
 *  2. soak: a fresh server at a steady rate (`--soak-rate`, or `--soak-fraction` of the load's QPS) for
 *     `--soak-seconds`, its RSS read every `--sample-seconds`: RSS after the warm-up, max, end, and growth (must
 *     stay under `--max-growth` %).
 *
 *   npx tsx bench/load.ts --dataset ../shared/datasets/scifact                      # 60 s at 64, then a 10-minute soak
 *   npx tsx bench/load.ts --dataset ../shared/datasets/scifact --duration 10 --soak-seconds 20   # a smoke run
 *
 * Progress goes to stderr; the tables (Markdown) and, with --json, a JSON line go to stdout. The exit code is 1 when
 * a request failed or the RSS grew too much. See bench/README.md ("Load and soak").
 */
import os from 'node:os';
import { join, resolve } from 'node:path';
import type autocannon from 'autocannon';
import { Command, Option } from 'commander';
import { loadBeirDataset, type BeirQuery } from '../src/eval/beir-dataset.js';
import { BenchCleanup } from './bench-cleanup.js';
import { buildBenchStore, type IngestFigures } from './bench-ingest.js';
import { nonNegativeNumber, positiveInt, positiveNumber } from './cli-numbers.js';
import { bodiesFor, diagnoseFailures, ENDPOINT_PATH, figuresOf, newSink, printFailureBanner, runAutocannon, smokeTest, statusCodes, type Endpoint, type LoadFigures } from './http-load.js';
import { MemorySampler, readProcessMemory, type MemoryReading } from './process-memory.js';
import { rssGrowth, type RssGrowth } from './rss-growth.js';
import { ServerChild } from './server-child.js';

interface Options {
  dataset: string;
  split: string;
  endpoint: Endpoint;
  concurrency: number;
  duration: number;
  warmup: number;
  soakSeconds: number;
  soakRate?: number;
  soakFraction: number;
  soakConnections: number;
  soakWarmup: number;
  sampleSeconds: number;
  maxGrowth: number;
  config?: string;
  json: boolean;
}

interface LoadPhase extends LoadFigures {
  duration_s: number;
  requests: number;
  timeouts: number;
  /** The kernel's peak RSS of the server (VmHWM) at the end of the load: start-up, warm-up and load included. */
  peak_rss_mb: number;
  /** The highest RSS read (every second) during the measured load. */
  max_rss_mb: number;
}

interface SoakPhase {
  duration_s: number;
  target_rate: number;
  connections: number;
  achieved_qps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  rss: RssGrowth;
  peak_rss_mb: number;
  samples: MemoryReading[];
}

const note = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function parseArgs(argv: string[]): Options {
  const program = new Command()
    .name('bench-load')
    .description('Load (closed loop) and soak (steady rate, RSS sampled) of the embedded default over HTTP')
    .requiredOption('--dataset <dir>', 'BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv)')
    .option('--split <name>', 'qrels split whose queries are sent', 'test')
    .addOption(new Option('--endpoint <e>', 'route to load').choices(['query', 'retrieve']).default('query'))
    .option('--concurrency <n>', 'connections of the load (closed loop)', positiveInt('--concurrency'), 64)
    .option('--duration <s>', 'seconds of measured load', positiveNumber('--duration'), 60)
    .option('--warmup <s>', 'seconds of unmeasured load before the load and before the soak', nonNegativeNumber('--warmup'), 5)
    .option('--soak-seconds <s>', 'seconds of soak (0: no soak)', nonNegativeNumber('--soak-seconds'), 600)
    .option('--soak-rate <qps>', 'requests per second of the soak (default: --soak-fraction of the load QPS)', positiveNumber('--soak-rate'))
    .option('--soak-fraction <f>', 'soak rate as a share of the measured load QPS', positiveNumber('--soak-fraction'), 0.5)
    .option('--soak-connections <n>', 'connections the soak spreads its rate over', positiveInt('--soak-connections'), 16)
    .option('--sample-seconds <s>', 'seconds between RSS readings during the soak', positiveNumber('--sample-seconds'), 5)
    .option('--max-growth <pct>', 'RSS growth over the soak, in percent, above which the run fails', positiveNumber('--max-growth'), 10)
    .option('--config <file>', 'extra config file layered over config/default.yaml')
    .option('--json', 'print a JSON summary as the last line of stdout', false)
    .showHelpAfterError()
    .parse(argv);
  const opts = program.opts<Options>();
  if (opts.soakFraction > 1) program.error('--soak-fraction must be <= 1 (a share of the measured capacity)');
  return opts;
}

const cleanup = new BenchCleanup();
const onInstance = (instance: autocannon.Instance | null): void => {
  cleanup.instance = instance;
};

async function startServer(storePath: string, options: Options): Promise<{ server: ServerChild; base: string }> {
  const server = await ServerChild.start(storePath, { config: options.config, note });
  cleanup.server = server;
  const base = `http://127.0.0.1:${server.port}`;
  note(`  server pid ${server.pid} listening on ${base} (${server.chunks} chunks, warmed in ${server.warmMs} ms, RSS ${readProcessMemory(server.pid).rssMb} MiB)`);
  return { server, base };
}

/** Failed requests of a run as a sentence, or null when there were none. */
function failuresOf(what: string, r: autocannon.Result): string | null {
  if (r.errors === 0 && r.non2xx === 0) return null;
  return `${what}: ${r.non2xx} non-2xx responses, ${r.errors} errors (${r.timeouts} timeouts) [status codes: ${statusCodes(r)}]`;
}

async function loadPhase(base: string, server: ServerChild, bodies: Buffer[], options: Options, failures: string[]): Promise<LoadPhase> {
  const path = ENDPOINT_PATH[options.endpoint];
  if (options.warmup > 0) {
    note(`load: warm-up ${options.warmup} s at ${options.concurrency} connections...`);
    const w = await runAutocannon({ url: base, path, bodies, connections: options.concurrency, duration: options.warmup, sink: newSink(), onInstance });
    const bad = failuresOf('load warm-up', w);
    if (bad) failures.push(bad);
  }
  note(`load: measuring ${options.duration} s at ${options.concurrency} connections...`);
  const sampler = new MemorySampler(server.pid, 1000);
  sampler.start();
  let done = 0;
  const progress = setInterval(() => note(`  ${fmt(done)} responses so far, RSS ${sampler.readings.at(-1)?.rssMb ?? 0} MiB`), 10_000);
  let result: autocannon.Result;
  try {
    result = await runAutocannon({ url: base, path, bodies, connections: options.concurrency, duration: options.duration, sink: newSink(), onInstance, onResponse: () => void done++ });
  } finally {
    clearInterval(progress);
  }
  const last = sampler.stop();
  const bad = failuresOf('load', result);
  if (bad) failures.push(bad);
  return {
    ...figuresOf(result),
    duration_s: options.duration,
    requests: result.requests.total,
    timeouts: result.timeouts,
    peak_rss_mb: last.peakMb,
    max_rss_mb: Math.max(...sampler.readings.map((r) => r.rssMb)),
  };
}

async function soakPhase(base: string, server: ServerChild, bodies: Buffer[], rate: number, options: Options, failures: string[]): Promise<SoakPhase> {
  const path = ENDPOINT_PATH[options.endpoint];
  const connections = Math.min(options.soakConnections, rate);
  if (options.warmup > 0) {
    note(`soak: warm-up ${options.warmup} s at ${rate} req/s...`);
    const w = await runAutocannon({ url: base, path, bodies, connections, duration: options.warmup, overallRate: rate, sink: newSink(), onInstance });
    const bad = failuresOf('soak warm-up', w);
    if (bad) failures.push(bad);
  }
  note(`soak: ${options.soakSeconds} s at ${rate} req/s over ${connections} connections, RSS every ${options.sampleSeconds} s...`);
  let done = 0;
  let failed = 0;
  const sampler = new MemorySampler(server.pid, options.sampleSeconds * 1000, (r) => {
    const startMb = sampler.readings[0]?.rssMb ?? r.rssMb;
    const growth = ((r.rssMb - startMb) / startMb) * 100;
    note(`  soak ${fmt(r.atS, 0)}/${options.soakSeconds} s: ${fmt(done)} responses (${failed} failed), RSS ${fmt(r.rssMb, 1)} MiB (${growth >= 0 ? '+' : ''}${fmt(growth, 1)}% since start)`);
  });
  sampler.start();
  const result = await runAutocannon({
    url: base,
    path,
    bodies,
    connections,
    duration: options.soakSeconds,
    overallRate: rate,
    sink: newSink(),
    onInstance,
    onResponse: (status) => {
      done++;
      if (status < 200 || status >= 300) failed++;
    },
  });
  const last = sampler.stop();
  const bad = failuresOf('soak', result);
  if (bad) failures.push(bad);
  return {
    duration_s: options.soakSeconds,
    target_rate: rate,
    connections,
    achieved_qps: Math.round(result.requests.average * 10) / 10,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
    rss: rssGrowth(sampler.readings),
    peak_rss_mb: last.peakMb,
    samples: sampler.readings,
  };
}

function printReport(datasetName: string, queries: number, ing: IngestFigures, options: Options, load: LoadPhase, soak: SoakPhase | null): void {
  const path = ENDPOINT_PATH[options.endpoint];
  out();
  out(`### Load and soak of ${path}, embedded default: ${datasetName} (${fmt(ing.docs)} documents, ${fmt(ing.chunks)} chunks, ${queries} queries in rotation)`);
  out();
  out(`node ${process.version}, ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'}), ${fmt(os.totalmem() / 2 ** 30, 0)} GiB; load average ${fmt(os.loadavg()[0] ?? 0, 2)} at the end of the run; server in a child process, response cache off`);
  out();
  out('| run | connections | seconds | QPS | p50 ms | p99 ms | requests | errors | non-2xx | peak RSS MiB |');
  out('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  out(`| load (closed loop) | ${load.concurrency} | ${load.duration_s} | ${fmt(load.qps, 1)} | ${load.p50_ms} | ${load.p99_ms} | ${fmt(load.requests)} | ${load.errors} | ${load.non2xx} | ${fmt(load.peak_rss_mb, 1)} |`);
  if (soak) {
    out(`| soak (${fmt(soak.target_rate)} req/s) | ${soak.connections} | ${soak.duration_s} | ${fmt(soak.achieved_qps, 1)} | ${soak.p50_ms} | ${soak.p99_ms} | ${fmt(soak.requests)} | ${soak.errors} | ${soak.non2xx} | ${fmt(soak.peak_rss_mb, 1)} |`);
    out();
    out('| soak RSS, MiB | start (after warm-up) | max | end | growth | first reading | last reading | slope |');
    out('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    const g = soak.rss;
    out(`| ${g.readings} readings | ${fmt(g.start_mb, 1)} | ${fmt(g.max_mb, 1)} | ${fmt(g.end_mb, 1)} | ${g.growth_pct >= 0 ? '+' : ''}${fmt(g.growth_pct, 2)}% | ${fmt(g.first_mb, 1)} | ${fmt(g.last_mb, 1)} | ${fmt(g.slope_mb_per_min, 2)} MiB/min |`);
  }
  out();
  out(`peak RSS: VmHWM of the server process (start-up, index, warm-up and run included); during the load, the highest RSS read each second was ${fmt(load.max_rss_mb, 1)} MiB.`);
  if (soak) {
    out(`soak rate: ${options.soakRate !== undefined ? 'given (--soak-rate)' : `${options.soakFraction} x the load's ${fmt(load.qps, 1)} QPS`}; RSS read every ${options.sampleSeconds} s on a fresh server after ${options.warmup} s of warm-up at the same rate.`);
    out(`soak start/end: medians of the first and last ${soak.rss.window} readings (RSS is a sawtooth between major GCs); growth = (end - start) / start.`);
  }

}

async function main(): Promise<number> {
  const options = parseArgs(process.argv);
  const datasetDir = resolve(options.dataset);
  const dataset = loadBeirDataset(datasetDir, options.split);
  if (dataset.queries.length === 0) throw new Error(`no ${options.split} queries in ${datasetDir}`);
  const queries: BeirQuery[] = dataset.queries;
  const bodies = bodiesFor(options.endpoint, queries);

  const storePath = join(cleanup.tempDirectory(), 'bench.db');
  note(`ingesting ${dataset.corpusPath} (batches of 1000)...`);
  const store = await buildBenchStore(dataset.corpusPath, storePath, options.config, (rag) => {
    cleanup.rag = rag;
  });
  note(`  ${store.ingest.docs} docs, ${store.ingest.chunks} chunks in ${store.ingest.seconds} s`);

  const failures: string[] = [];
  note('load: starting the server process...');
  const first = await startServer(storePath, options);
  note(`  ${ENDPOINT_PATH[options.endpoint]}: smoke test ok (${await smokeTest(first.base, options.endpoint, bodies[0]!)})`);
  const load = await loadPhase(first.base, first.server, bodies, options, failures);
  note(`  ${fmt(load.qps, 1)} QPS, p50 ${load.p50_ms} ms, p99 ${load.p99_ms} ms, peak RSS ${load.peak_rss_mb} MiB`);
  if (failures.length > 0) for (const f of await diagnoseFailures(first.base, options.endpoint, queries)) failures.push(`    ${f}`);
  await cleanup.stopServer(10_000);

  let soak: SoakPhase | null = null;
  if (options.soakSeconds > 0) {
    const rate = options.soakRate ?? Math.max(1, Math.round(load.qps * options.soakFraction));
    // A fresh server: the soak's starting RSS is its own warm-up's, not what the heavier load left behind.
    note('soak: starting a fresh server process...');
    const second = await startServer(storePath, options);
    soak = await soakPhase(second.base, second.server, bodies, rate, options, failures);
    await cleanup.stopServer(10_000);
  }

  const datasetName = datasetDir.split(/[\\/]/).filter((p) => p.length > 0).pop() ?? datasetDir;
  printReport(datasetName, queries.length, store.ingest, options, load, soak);
  const tooMuchGrowth = soak !== null && soak.rss.growth_pct >= options.maxGrowth;
  out();
  out(`Verdict: ${failures.length === 0 ? 'no failed requests' : 'FAILED REQUESTS'}; ${soak ? `soak RSS growth ${fmt(soak.rss.growth_pct, 2)}% ${tooMuchGrowth ? '>=' : '<'} ${options.maxGrowth}% (${tooMuchGrowth ? 'FAILED' : 'met'})` : 'no soak'}.`);
  printFailureBanner(failures);
  out();
  out(`Reproduce: \`npx tsx bench/load.ts ${process.argv.slice(2).join(' ')}\``);
  if (options.json) {
    out(JSON.stringify({ dataset: datasetName, endpoint: ENDPOINT_PATH[options.endpoint], ingest: store.ingest, load, soak, machine: { cpus: os.availableParallelism(), node: process.version } }));
  }
  return failures.length > 0 || tooMuchGrowth ? 1 : 0;
}

cleanup.run(main);
