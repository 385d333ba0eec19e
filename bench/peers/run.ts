/**
 * Peers side by side: the same corpus (the project's chunks), the same queries and qrels, the same protocol and
 * metric code, through
 *   (a) this project's embedded retrieval (Rag.retrieve: BM25, and hybrid with an embedder),
 *   (b) OpenSearch BM25 (Rag.retrieve with retrieval.backend opensearch, a node started by the project's launcher),
 *   (c) LangChain.js's BM25Retriever, and its EnsembleRetriever for hybrid,
 *   (d) LlamaIndex.TS's BM25 retriever;
 * nDCG@10, QPS and latency for each, and the ratio to this project. Prints a Markdown table (and with --json a
 * JSON line) on stdout, progress on stderr.
 *
 *   npm --prefix bench/peers install        # once: the peers live in their own package (see bench/peers/package.json)
 *   npx tsx bench/peers/run.ts --dataset ../shared/datasets/scifact [--concurrency 8] [--min-seconds 10] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultConfigPath } from '../../src/core/config.js';
import { loadConfig, type Config } from '../../src/core/config.js';
import { RagError } from '../../src/core/errors.js';
import { loadBeirDataset } from '../../src/eval/beir-dataset.js';
import { CHUNKS_PER_DOC } from '../../src/eval/document-ranking.js';
import type { Embedder } from '../../src/models/embedder.js';
import type { Rag } from '../../src/rag.js';
import { launchOpenSearch, type OpenSearchNode } from '../../src/store/opensearch-launcher.js';
import { HashingEmbedder } from '../../test/helpers/hashing-embedder.js';
import { nonNegativeNumber, positiveInt, positiveNumber } from '../cli-numbers.js';
import { measure, type Measured, type ProtocolOptions } from './measure.js';
import { peerChunks } from './peer-corpus.js';
import type { PeerSystem } from './peer-system.js';
import { printPeersReport, type PeersReport } from './peers-report.js';
import { openRagSystems } from './rag-systems.js';

type Family = 'a' | 'b' | 'c' | 'd';

/**
 * A peer's module, loaded only when its system is run: the peers are installed apart (bench/peers/package.json),
 * and (a) and (b) need none of them.
 */
async function peerModule<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error(`the peers are not installed: run \`npm --prefix bench/peers install\` once (${(err as Error).message.split('\n')[0]})`);
    }
    throw err;
  }
}

interface Options {
  dataset: string;
  split: string;
  systems: Family[];
  embedder: 'hashing' | 'config' | 'none';
  k: number;
  warmupQueries: number;
  warmupSeconds: number;
  minSeconds: number;
  concurrency: number;
  maxQueries?: number;
  config?: string;
  opensearchUrl?: string;
  heapMb: number;
  json: boolean;
}

const note = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const familyList = (value: string): Family[] => {
  const parts = value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0);
  const out: Family[] = [];
  for (const p of parts) {
    if (p !== 'a' && p !== 'b' && p !== 'c' && p !== 'd') throw new InvalidArgumentError(`unknown system "${p}" (a, b, c, d)`);
    if (!out.includes(p)) out.push(p);
  }
  return out;
};

function parseArgs(argv: string[]): Options {
  const program = new Command()
    .name('bench-peers')
    .description('This project\'s retrieval side by side with OpenSearch, LangChain.js and LlamaIndex.TS on a BEIR dataset')
    .requiredOption('--dataset <dir>', 'BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv)')
    .option('--split <name>', 'qrels split whose queries are run', 'test')
    .option('--systems <list>', 'which systems, comma-separated: a (this project; always run: the ratios are to it), b (OpenSearch), c (LangChain), d (LlamaIndex)', familyList, ['a', 'b', 'c', 'd'] as Family[])
    .addOption(
      new Option('--embedder <e>', 'vectors of the hybrid rows: hashing (feature hashing, no model), config (the `embeddings` of --config), none (no hybrid rows)')
        .choices(['hashing', 'config', 'none'])
        .default('hashing'),
    )
    .option('--k <n>', 'chunks asked of every system per query', positiveInt('--k'), 10 * CHUNKS_PER_DOC)
    .option('--warmup-queries <n>', 'unmeasured queries first, per system: at least this many...', positiveInt('--warmup-queries'), 10)
    .option('--warmup-seconds <s>', '...and for at least this long', nonNegativeNumber('--warmup-seconds'), 5)
    .option('--min-seconds <s>', 'sequential passes repeat until this long has passed; the concurrent level runs at least this long', positiveNumber('--min-seconds'), 10)
    .option('--concurrency <n>', 'clients of the closed-loop level (1: sequential only)', positiveInt('--concurrency'), 8)
    .option('--max-queries <n>', 'only the first n queries (a smoke run; nDCG is then not comparable with published figures)', positiveInt('--max-queries'))
    .option('--config <file>', 'extra config file layered over config/default.yaml (this project\'s rows)')
    .option('--opensearch-url <url>', 'an OpenSearch node to use instead of starting one with the launcher')
    .option('--heap-mb <n>', 'heap of the OpenSearch node this benchmark starts', positiveInt('--heap-mb'), 512)
    .option('--json', 'print a JSON summary as the last line of stdout', false)
    .showHelpAfterError()
    .parse(argv);
  const opts = program.opts<Options>();
  if (!opts.systems.includes('a')) opts.systems.unshift('a');
  return opts;
}

function configFor(options: Options, overrides: Record<string, unknown>): Config {
  const files = [defaultConfigPath];
  if (options.config) files.push(resolve(options.config));
  return loadConfig({ files, overrides: { bootstrap: { ingestOnEmpty: false }, cache: { enabled: false }, ...overrides } });
}

/** The hybrid rows' embedder as the options choose it, or null for none. */
function hybridEmbedder(options: Options, config: Config): { embedder?: Embedder; what: string } | null {
  if (options.embedder === 'none') return null;
  if (options.embedder === 'config') {
    if (!config.embeddings) throw new RagError('CONFIG', '--embedder config: the configuration has no `embeddings` section (give one with --config)');
    const e = config.embeddings;
    return { what: `the configured embedding model (${e.provider === 'local' ? e.modelPath : `${e.url}${e.model ? ` ${e.model}` : ''}`})` };
  }
  const hashing = new HashingEmbedder();
  return { embedder: hashing, what: `feature hashing of the BM25-analysed words into ${hashing.dimensions} dimensions (test/helpers/hashing-embedder.ts, no model)` };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv);
  const datasetDir = resolve(options.dataset);
  const dataset = loadBeirDataset(datasetDir, options.split);
  const queries = options.maxQueries ? dataset.queries.slice(0, options.maxQueries) : dataset.queries;
  if (queries.length === 0) throw new Error(`no ${options.split} queries in ${datasetDir}`);
  const protocol: ProtocolOptions = { k: options.k, warmupQueries: options.warmupQueries, warmupSeconds: options.warmupSeconds, minSeconds: options.minSeconds, concurrency: options.concurrency, progress: note };

  const tmp = mkdtempSync(join(os.tmpdir(), `rag-peers-${process.pid}-`));
  const closers: Array<() => Promise<void>> = [];
  let interrupted = false;
  const closeAll = async (): Promise<void> => {
    // Last opened first: the OpenSearch collection before its node.
    for (const close of closers.splice(0).reverse()) await close().catch((err: unknown) => note(`clean-up: ${(err as Error).message}`));
    rmSync(tmp, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    interrupted = true;
    note('SIGINT: stopping, removing temporary files');
    void closeAll().finally(() => process.exit(130));
  });

  try {
    const results: Measured[] = [];
    const systems: PeerSystem[] = [];
    const run = async (list: readonly PeerSystem[]): Promise<void> => {
      for (const s of list) {
        if (interrupted) return;
        note(`measuring ${s.label}...`);
        systems.push(s);
        results.push(await measure(s, queries, dataset.qrels, protocol));
      }
    };

    // (a) first: its store gives every peer the same chunks, and its embedder the same vectors.
    const configA = configFor(options, { store: { path: join(tmp, 'embedded.db') } });
    const hybrid = hybridEmbedder(options, configA);
    note('(a) this project: ingesting...');
    const a = await openRagSystems({
      config: configA,
      corpusPath: dataset.corpusPath,
      label: '(a) this project',
      engine: `the embedded BM25 (retrieval.bm25.engine: ${configA.retrieval.bm25.engine})`,
      ...(hybrid ? { hybrid } : {}),
    });
    const ragA: Rag = a.rag;
    closers.push(() => ragA.close());
    const chunks = peerChunks(ragA.store);
    note(`  ${ragA.store.counts().documents} documents, ${chunks.length} chunks in ${a.ingestSeconds.toFixed(1)} s`);
    await run(a.systems);

    let openSearchWhere: string | null = null;
    if (options.systems.includes('b')) {
      let url = options.opensearchUrl;
      if (!url) {
        note('(b) starting a local OpenSearch node with the launcher...');
        const node: OpenSearchNode = await launchOpenSearch({ heapMb: options.heapMb, log: note }).catch((err: unknown) => {
          throw new Error(`${(err as Error).message} (give --opensearch-url, or leave OpenSearch out with --systems a,c,d)`);
        });
        closers.push(() => node.close());
        url = node.url;
        openSearchWhere = `OpenSearch 2.19 started by the project's launcher (src/store/opensearch-launcher.ts), heap ${options.heapMb} MiB, on this machine`;
      } else openSearchWhere = `OpenSearch at ${url}`;
      const configB = configFor(options, {
        store: { path: join(tmp, 'opensearch.db') },
        retrieval: { backend: 'opensearch' },
        opensearch: { nodes: [url], index: `rag-peers-${process.pid}`, replicas: 0, fallback: 'none' },
      });
      note('(b) OpenSearch: ingesting...');
      const b = await openRagSystems({ config: configB, corpusPath: dataset.corpusPath, label: '(b) OpenSearch', engine: `OpenSearch BM25 (${openSearchWhere})` });
      closers.push(async () => {
        await b.rag.search?.drop();
        await b.rag.close();
      });
      await run(b.systems);
      // Its JVM would otherwise take CPU from the in-process peers measured next.
      for (const close of closers.splice(1).reverse()) await close();
    }

    const dense = hybrid && ragA.embedder ? { embedder: ragA.embedder, what: hybrid.what, batchSize: configA.retrieval.dense.embedBatchSize } : null;
    if (options.systems.includes('c')) {
      note('(c) LangChain: indexing...');
      const { langchainSystems } = await peerModule(() => import('./langchain-systems.js'));
      await run(await langchainSystems(chunks, options.k, dense));
    }
    if (options.systems.includes('d')) {
      note('(d) LlamaIndex: indexing...');
      const { llamaindexSystem } = await peerModule(() => import('./llamaindex-system.js'));
      await run([await llamaindexSystem(chunks, options.k)]);
    }

    const report: PeersReport = {
      dataset: datasetDir.split(/[\\/]/).filter((p) => p.length > 0).pop() ?? datasetDir,
      split: options.split,
      queries: queries.length,
      allQueries: dataset.queries.length,
      documents: ragA.store.counts().documents,
      chunks: chunks.length,
      k: options.k,
      protocol: { warmupQueries: options.warmupQueries, warmupSeconds: options.warmupSeconds, minSeconds: options.minSeconds, concurrency: options.concurrency },
      hybrid: hybrid ? hybrid.what : null,
      opensearch: openSearchWhere,
      systems: systems.map((s, i) => ({ ...results[i]!, what: s.what })),
      machine: { node: process.version, cpus: os.availableParallelism(), cpu: os.cpus()[0]?.model.trim() ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), load1: os.loadavg()[0] ?? 0 },
      command: `npx tsx bench/peers/run.ts ${process.argv.slice(2).join(' ')}`,
    };
    printPeersReport(report);
    if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  } finally {
    await closeAll();
  }
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    process.stderr.write(`bench-peers: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
