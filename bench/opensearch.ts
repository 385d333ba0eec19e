/**
 * The embedded store against OpenSearch, in one run, on the same corpus and queries: ingestion docs/s (until
 * searchable) and BM25 top-10 throughput and latency, in process (no HTTP), one client and several.
 *
 *   npx tsx bench/opensearch.ts --dataset ../shared/datasets/scifact [--concurrency 8] [--duration 10] [--opensearch-url http://127.0.0.1:9200] [--json]
 *
 * Without --opensearch-url it starts a local node with the repository's launcher (Maven artifacts, no Docker) and
 * stops it at the end. Both backends share the machine: on a small one the JVM and this process compete for the
 * same cores, as they would in a one-box deployment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { defaultConfigPath } from '../src/core/config.js';
import { loadConfig, type Config } from '../src/core/config.js';
import { RunContext } from '../src/core/run-context.js';
import { loadBeirDataset, type BeirQuery } from '../src/eval/beir-dataset.js';
import { percentile } from '../src/eval/metrics.js';
import { Bm25Retriever } from '../src/retrievers/bm25-retriever.js';
import { OpenSearchBm25Retriever } from '../src/retrievers/opensearch-bm25-retriever.js';
import type { Retriever } from '../src/retrievers/retriever.js';
import { readDocumentBatches } from '../src/store/document-sources.js';
import { Ingestor } from '../src/store/ingestor.js';
import { launchOpenSearch, type OpenSearchNode } from '../src/store/opensearch-launcher.js';
import { OpenSearchStore } from '../src/store/opensearch-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { positiveNumber } from './cli-numbers.js';

interface Options {
  dataset: string;
  split: string;
  concurrency: number;
  duration: number;
  warmup: number;
  opensearchUrl?: string;
  heapMb: number;
  json: boolean;
}

interface Load {
  concurrency: number;
  qps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
}

interface BackendFigures {
  backend: 'embedded' | 'opensearch';
  documents: number;
  chunks: number;
  ingest_s: number;
  ingest_docs_per_s: number;
  loads: Load[];
}

function parseArgs(argv: string[]): Options {
  return new Command()
    .name('bench-opensearch')
    .requiredOption('--dataset <dir>', 'BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv)')
    .option('--split <name>', 'qrels split whose queries are sent', 'test')
    .option('--concurrency <n>', 'concurrent clients of the second load level', positiveNumber('--concurrency'), 8)
    .option('--duration <s>', 'seconds of measured load per level and backend', positiveNumber('--duration'), 10)
    .option('--warmup <s>', 'seconds of unmeasured load first', positiveNumber('--warmup'), 2)
    .option('--opensearch-url <url>', 'an OpenSearch node to use instead of starting one')
    .option('--heap-mb <n>', 'heap of the node this benchmark starts', positiveNumber('--heap-mb'), 512)
    .option('--json', 'print a JSON summary as the last line', false)
    .parse(argv)
    .opts<Options>();
}

const note = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;

/** Ingests the corpus with `write`, then makes it searchable with `finish`; the clock covers both. */
async function ingest(corpusPath: string, write: (batch: Awaited<ReturnType<Ingestor['prepare']>>, ingestor: Ingestor) => Promise<number>, finish: () => Promise<void>, config: Config): Promise<{ documents: number; seconds: number }> {
  const ingestor = new Ingestor(null, { ...config.chunking, maxDocumentChars: config.limits.maxDocumentChars });
  const started = performance.now();
  let documents = 0;
  for await (const batch of readDocumentBatches([corpusPath], { batchSize: 1000 })) documents += await write(await ingestor.prepare(batch), ingestor);
  await finish();
  return { documents, seconds: (performance.now() - started) / 1000 };
}

/** A closed loop: `concurrency` clients, each sending the next query as soon as its last one is answered. */
async function load(retriever: Retriever, queries: BeirQuery[], concurrency: number, seconds: number): Promise<Load> {
  const latencies: number[] = [];
  let next = 0;
  const end = performance.now() + seconds * 1000;
  const client = async (): Promise<void> => {
    while (performance.now() < end) {
      const q = queries[next++ % queries.length]!;
      const t0 = performance.now();
      await retriever.retrieve(q.text, { k: 10 }, new RunContext());
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsed = (performance.now() - started) / 1000;
  return { concurrency, qps: round(latencies.length / elapsed), p50_ms: round(percentile(latencies, 50), 2), p99_ms: round(percentile(latencies, 99), 2), requests: latencies.length };
}

async function measure(retriever: Retriever, queries: BeirQuery[], options: Options): Promise<Load[]> {
  await load(retriever, queries, options.concurrency, options.warmup);
  const levels = [...new Set([1, options.concurrency])];
  const out: Load[] = [];
  for (const c of levels) out.push(await load(retriever, queries, c, options.duration));
  return out;
}

/** Share of the top-10 chunk ids both backends return for the same query: the same ranking should give 1. */
async function agreement(a: Retriever, b: Retriever, queries: BeirQuery[]): Promise<number> {
  let shared = 0;
  let total = 0;
  for (const q of queries.slice(0, 100)) {
    const [x, y] = [await a.retrieve(q.text, { k: 10 }, new RunContext()), await b.retrieve(q.text, { k: 10 }, new RunContext())];
    const ids = new Set(x.map((h) => h.id));
    shared += y.filter((h) => ids.has(h.id)).length;
    total += Math.max(x.length, y.length);
  }
  return total === 0 ? 1 : shared / total;
}

function printTable(datasetName: string, queries: number, figures: BackendFigures[], topAgreement: number, node: string): void {
  const out = (line = ''): void => {
    process.stdout.write(`${line}\n`);
  };
  const [emb, ose] = figures as [BackendFigures, BackendFigures];
  out();
  out(`BM25 top-10, embedded store vs OpenSearch: ${datasetName} (${emb.documents} documents, ${emb.chunks} chunks, ${queries} queries)`);
  out(`node ${process.version}, ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'}), ${node}`);
  out();
  const cols = ['ingest docs/s', ...emb.loads.flatMap((l) => [`QPS @${l.concurrency}`, `p50 ms @${l.concurrency}`, `p99 ms @${l.concurrency}`])];
  const header = `${'backend'.padEnd(22)}${cols.map((c) => c.padStart(14)).join('')}`;
  out(header);
  out('-'.repeat(header.length));
  const row = (f: BackendFigures): number[] => [f.ingest_docs_per_s, ...f.loads.flatMap((l) => [l.qps, l.p50_ms, l.p99_ms])];
  const fmt = (n: number): string => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 }));
  for (const f of figures) out(`${f.backend.padEnd(22)}${row(f).map((n) => fmt(n).padStart(14)).join('')}`);
  const ratios = row(emb).map((x, i) => (row(ose)[i] ? x / row(ose)[i]! : Number.NaN));
  out(`${'embedded / opensearch'.padEnd(22)}${ratios.map((r) => `${r.toFixed(2)}x`.padStart(14)).join('')}`);
  out();
  out(`top-10 agreement between the two (same chunk ids, first 100 queries): ${(topAgreement * 100).toFixed(1)}%`);
  out('ingest: prepare (structure, chunk) + write + make searchable (embedded: in-memory postings; OpenSearch: bulk + refresh)');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv);
  const datasetDir = resolve(options.dataset);
  const dataset = loadBeirDataset(datasetDir, options.split);
  let node: OpenSearchNode | null = null;
  const tmp = mkdtempSync(join(os.tmpdir(), `rag-bench-${process.pid}-`));
  let sqlite: SqliteStore | null = null;
  let search: OpenSearchStore | null = null;
  let cleaned = false;
  const cleanUp = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    sqlite?.close();
    await search?.drop().catch(() => undefined);
    await search?.close().catch(() => undefined);
    await node?.close();
    rmSync(tmp, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));
  try {
    let url = options.opensearchUrl;
    if (!url) {
      note('starting a local OpenSearch node...');
      node = await launchOpenSearch({ heapMb: options.heapMb, log: note });
      url = node.url;
    }
    const config = loadConfig({ files: [defaultConfigPath], overrides: { opensearch: { nodes: [url], replicas: 0 } } });
    const figures: BackendFigures[] = [];

    note('embedded: ingesting...');
    const store = new SqliteStore(join(tmp, 'bench.db'));
    sqlite = store;
    const embedded = new Bm25Retriever(store, config.retrieval.bm25);
    const e = await ingest(dataset.corpusPath, async (batch) => store.upsert(batch).documents, async () => void embedded.warm(), config);
    note('embedded: load...');
    figures.push({ backend: 'embedded', documents: e.documents, chunks: store.counts().chunks, ingest_s: round(e.seconds, 2), ingest_docs_per_s: Math.round(e.documents / e.seconds), loads: await measure(embedded, dataset.queries, options) });

    note('opensearch: ingesting...');
    const os_ = OpenSearchStore.fromConfig(config, { alias: `rag-bench-${process.pid}` });
    search = os_;
    await os_.ensureCollection();
    const o = await ingest(dataset.corpusPath, async (batch) => {
      const r = await os_.write(batch, { refresh: false });
      if (r.failed.length > 0) throw new Error(`OpenSearch refused ${r.failed.length} documents, e.g. ${r.failed[0]?.id}: ${r.failed[0]?.reason}`);
      return r.documents;
    }, () => os_.refresh(), config);
    const remote = new OpenSearchBm25Retriever(os_, { maxQueryTerms: config.retrieval.bm25.maxQueryTerms, titleBoost: config.opensearch.titleBoost });
    note('opensearch: load...');
    figures.push({ backend: 'opensearch', documents: o.documents, chunks: (await os_.counts()).chunks, ingest_s: round(o.seconds, 2), ingest_docs_per_s: Math.round(o.documents / o.seconds), loads: await measure(remote, dataset.queries, options) });

    const top = await agreement(embedded, remote, dataset.queries);
    const where = node ? `OpenSearch 2.19 started by the launcher (heap ${options.heapMb} MiB) on this machine` : `OpenSearch at ${url}`;
    printTable(datasetDir.split('/').pop() ?? datasetDir, dataset.queries.length, figures, top, where);
    if (options.json) process.stdout.write(`${JSON.stringify({ dataset: datasetDir, figures, top10_agreement: round(top, 3) })}\n`);
    embedded.close();
  } finally {
    await cleanUp();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
