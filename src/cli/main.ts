import { Command, Option } from 'commander';
import { RETRIEVER_NAMES, type Config, type RetrieverName } from '../core/config-schema.js';
import { RagError } from '../core/errors.js';
import { evaluateRetrieval, type EvalProgress } from '../eval/retrieval-eval.js';
import type { Embedder } from '../models/embedder.js';
import { Rag } from '../rag.js';
import { cliConfig, type CliConfigFlags } from './cli-config.js';
import { startProgress, type Progress } from './progress.js';
import { serve } from './serve-command.js';

const configOptions = (cmd: Command): Command =>
  cmd
    .option('-c, --config <file>', 'configuration file (YAML or JSON) over the defaults')
    .option('--store <path>', 'SQLite index file (store.path)');

/** What the CLI is built with beyond configuration. */
export interface CliDeps {
  /**
   * Builds the embedder the configuration asks for (undefined when it asks for none). Every command that opens
   * the index uses it, so ingestion stores vectors and dense pipelines can run.
   */
  createEmbedder?: (config: Config) => Embedder | undefined | Promise<Embedder | undefined>;
}

/** The embedder for a configuration, or none. */
async function embedderFor(config: Config, deps: CliDeps): Promise<Embedder | undefined> {
  return deps.createEmbedder ? deps.createEmbedder(config) : undefined;
}

async function openRag(config: Config, deps: CliDeps): Promise<Rag> {
  const embedder = await embedderFor(config, deps);
  return new Rag(config, embedder ? { embedder } : {});
}

/** The `rag` command: serve, ingest, query, reindex, eval. */
export function buildCli(deps: CliDeps = {}): Command {
  const program = new Command('rag').description('RAG platform: serve, ingest, query, reindex and evaluate').showHelpAfterError();

  configOptions(program.command('serve').description('start the HTTP server'))
    .option('-p, --port <port>', 'port (server.port)')
    .option('--host <host>', 'interface to listen on (server.host)')
    .option('--bootstrap <paths...>', 'when the index is empty, ingest these files or folders first')
    .option('--no-bootstrap', 'start with an empty index rather than ingest the bootstrap documents')
    .action(async (flags: CliConfigFlags & { bootstrap?: string[] | false }) => {
      const extra = flags.bootstrap === false ? { bootstrap: { ingestOnEmpty: false } } : {};
      const config = cliConfig(flags, extra);
      const embedder = await embedderFor(config, deps);
      await serve(config, {
        ...(Array.isArray(flags.bootstrap) ? { bootstrap: flags.bootstrap } : {}),
        ...(embedder ? { embedder } : {}),
      });
    });

  configOptions(program.command('ingest').description('ingest files or folders (Markdown, HTML, text, JSONL)'))
    .argument('<paths...>', 'files or folders')
    .option('--batch-size <n>', 'documents per transaction', '500')
    .action(async (paths: string[], flags: CliConfigFlags & { batchSize: string }) => {
      const rag = await openRag(cliConfig(flags), deps);
      const progress = startProgress('ingest');
      try {
        const started = performance.now();
        const r = await rag.ingestPaths(paths, { batchSize: Number(flags.batchSize), onProgress: (d) => progress.update(d) });
        progress.stop();
        const seconds = (performance.now() - started) / 1000;
        console.log(`ingested ${r.documents} documents (${r.chunks} chunks) in ${seconds.toFixed(1)} s; index version ${r.version}`);
      } finally {
        progress.stop();
        rag.close();
      }
    });

  configOptions(program.command('query').description('answer a question from the index'))
    .argument('<question>', 'the question')
    .option('--pipeline <name>', 'pipeline to use')
    .option('-k <n>', 'chunks to retrieve')
    .option('--json', 'print the whole response as JSON')
    .action(async (question: string, flags: CliConfigFlags & { pipeline?: string; k?: string; json?: boolean }) => {
      const rag = await openRag(cliConfig(flags), deps);
      try {
        const request: { query: string; pipeline?: string; k?: number } = { query: question };
        if (flags.pipeline) request.pipeline = flags.pipeline;
        if (flags.k) request.k = Number(flags.k);
        const r = await rag.query(request);
        if (flags.json) {
          console.log(JSON.stringify(r));
          return;
        }
        console.log(r.answer);
        console.log(`\nconfidence ${r.confidence.toFixed(3)}  entropy ${r.normalizedEntropy.toFixed(3)}  pipeline ${r.pipeline}`);
        for (const c of r.citations) console.log(`[${c.n}] ${c.docId}${c.headingPath ? ` > ${c.headingPath.join(' > ')}` : ''}`);
        console.log(`\n${r.trace.spans.map((s) => `${s.name} ${s.ms.toFixed(2)} ms`).join(', ')}; total ${r.trace.totalMs.toFixed(2)} ms`);
      } finally {
        rag.close();
      }
    });

  configOptions(program.command('reindex').description('compute the chunk vectors an index lacks, or drop them'))
    .option('--vectors', 'compute a vector for every chunk that has none, with the configured embedder')
    .option('--rebuild', 'with --vectors: drop every vector first and recompute all (after changing the embedding model)')
    .option('--drop-vectors', 'remove every vector and the recorded embedding model (to stop using dense retrieval)')
    .option('--batch-size <n>', 'chunks per transaction (retrieval.dense.reindexBatchSize)')
    .action(async (flags: CliConfigFlags & { vectors?: boolean; rebuild?: boolean; dropVectors?: boolean; batchSize?: string }) => {
      if (flags.vectors === flags.dropVectors) throw new RagError('BAD_REQUEST', 'reindex: give exactly one of --vectors and --drop-vectors');
      if (flags.rebuild && !flags.vectors) throw new RagError('BAD_REQUEST', 'reindex: --rebuild goes with --vectors');
      const config = cliConfig(flags);
      const rag = await openRag(config, deps);
      // Started by the first progress report, so a command that fails at once prints no bar.
      let progress: Progress | null = null;
      try {
        if (flags.dropVectors) {
          const { vectors } = rag.store.vectorStatus();
          rag.dropVectors();
          console.log(`dropped ${vectors} vectors from ${rag.store.path}`);
          return;
        }
        const started = performance.now();
        const r = await rag.reindexVectors({
          ...(flags.rebuild ? { rebuild: true } : {}),
          ...(flags.batchSize !== undefined ? { batchSize: positiveInt(flags.batchSize, '--batch-size') } : {}),
          onProgress: (done, total) => {
            progress ??= startProgress('vectors', total);
            progress.update(done, total);
          },
        });
        (progress as Progress | null)?.stop();
        const seconds = (performance.now() - started) / 1000;
        const status = rag.store.vectorStatus();
        console.log(
          `computed ${r.written} vectors with "${r.space.model}" (${r.space.dimensions} dimensions) in ${seconds.toFixed(1)} s; ` +
            `${status.vectors} of ${status.chunks} chunks have a vector; index version ${rag.store.version()}`,
        );
      } finally {
        (progress as Progress | null)?.stop();
        rag.close();
      }
    });

  const evalCmd = program.command('eval').description('measure quality on a dataset');
  configOptions(evalCmd.command('retrieval').description('nDCG@10, Recall@100, MRR@10 on a BEIR dataset'))
    .requiredOption('--dataset <dir>', 'BEIR folder (corpus.jsonl, queries.jsonl, qrels/)')
    .option('--split <name>', 'qrels split', 'test')
    .addOption(new Option('--retriever <name>', 'retriever to evaluate; dense and hybrid need an embedder').choices(RETRIEVER_NAMES).default('bm25'))
    .option('--json', 'print the report as one JSON object on the last line')
    .action(async (flags: CliConfigFlags & { dataset: string; split: string; retriever: RetrieverName; json?: boolean }) => {
      const config = cliConfig(flags);
      const embedder = await embedderFor(config, deps);
      let progress: Progress | null = null;
      let phase = '';
      const onProgress = (p: EvalProgress): void => {
        if (p.phase !== phase) {
          progress?.stop();
          phase = p.phase;
          progress = startProgress(p.phase, p.total ?? 0);
        }
        progress?.update(p.done, p.total);
      };
      const report = await evaluateRetrieval(config, flags.dataset, flags.split, {
        retriever: flags.retriever,
        onProgress,
        ...(embedder ? { embedder } : {}),
      });
      (progress as Progress | null)?.stop();
      if (!flags.json) {
        console.log(`retriever   ${report.retriever}`);
        console.log(`dataset     ${report.dataset} (${report.split}, ${report.queries} queries, ${report.documents} documents, ${report.chunks} chunks)`);
        console.log(`nDCG@10     ${report['ndcg@10'].toFixed(4)}`);
        console.log(`Recall@100  ${report['recall@100'].toFixed(4)}`);
        console.log(`MRR@10      ${report['mrr@10'].toFixed(4)}`);
        console.log(`latency     p50 ${report.latency_ms.p50} ms, p95 ${report.latency_ms.p95} ms`);
        console.log(`ingestion   ${report.ingest_docs_per_s} docs/s`);
      } else console.log(JSON.stringify(report));
    });

  program.addOption(new Option('--verbose', 'print stack traces of errors').hideHelp());
  return program;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RagError('BAD_REQUEST', `${flag} must be a positive integer (got "${value}")`);
  return n;
}

export async function main(argv: string[], deps: CliDeps = {}): Promise<void> {
  const program = buildCli(deps);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const message = err instanceof RagError || err instanceof Error ? err.message : String(err);
    console.error(`rag: ${message}`);
    if (argv.includes('--verbose') && err instanceof Error) console.error(err.stack);
    process.exitCode = 1;
  }
}
