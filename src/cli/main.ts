import { Command, Option } from 'commander';
import { RagError } from '../core/errors.js';
import { evaluateRetrieval, type EvalProgress } from '../eval/retrieval-eval.js';
import { Rag } from '../rag.js';
import { cliConfig, type CliConfigFlags } from './cli-config.js';
import { withLaunchedOpenSearch } from './launched-opensearch.js';
import { registerOpenSearchCommands } from './opensearch-command.js';
import { startProgress, type Progress } from './progress.js';
import { serve } from './serve-command.js';

const configOptions = (cmd: Command): Command =>
  cmd
    .option('-c, --config <file>', 'configuration file (YAML or JSON) over the defaults')
    .option('--store <path>', 'SQLite index file (store.path)');

/** The `rag` command: serve, ingest, query, eval. */
export function buildCli(): Command {
  const program = new Command('rag').description('RAG platform: serve, ingest, query and evaluate').showHelpAfterError();

  configOptions(program.command('serve').description('start the HTTP server'))
    .option('-p, --port <port>', 'port (server.port)')
    .option('--host <host>', 'interface to listen on (server.host)')
    .option('--bootstrap <paths...>', 'when the index is empty, ingest these files or folders first')
    .option('--no-bootstrap', 'start with an empty index rather than ingest the bootstrap documents')
    .action(async (flags: CliConfigFlags & { bootstrap?: string[] | false }) => {
      const extra = flags.bootstrap === false ? { bootstrap: { ingestOnEmpty: false } } : {};
      await serve(cliConfig(flags, extra), Array.isArray(flags.bootstrap) ? { bootstrap: flags.bootstrap } : {});
    });

  configOptions(program.command('ingest').description('ingest files or folders (Markdown, HTML, text, JSONL)'))
    .argument('<paths...>', 'files or folders')
    .option('--batch-size <n>', 'documents per transaction', '500')
    .action(async (paths: string[], flags: CliConfigFlags & { batchSize: string }) => {
      const rag = new Rag(cliConfig(flags));
      const progress = startProgress('ingest');
      try {
        const started = performance.now();
        const r = await rag.ingestPaths(paths, { batchSize: Number(flags.batchSize), onProgress: (d) => progress.update(d) });
        progress.stop();
        const seconds = (performance.now() - started) / 1000;
        console.log(`ingested ${r.documents} documents (${r.chunks} chunks) in ${seconds.toFixed(1)} s; index version ${r.version}`);
        for (const f of r.failed ?? []) console.log(`  not stored: ${f.id} (${f.status}): ${f.reason}`);
        if (r.failed?.length) process.exitCode = 1;
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
      const rag = new Rag(cliConfig(flags));
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

  const evalCmd = program.command('eval').description('measure quality on a dataset');
  configOptions(evalCmd.command('retrieval').description('nDCG@10, Recall@100, MRR@10 on a BEIR dataset'))
    .requiredOption('--dataset <dir>', 'BEIR folder (corpus.jsonl, queries.jsonl, qrels/)')
    .option('--split <name>', 'qrels split', 'test')
    .option('--json', 'print the report as one JSON object on the last line')
    .addOption(new Option('--backend <backend>', 'index to evaluate (retrieval.backend)').choices(['embedded', 'opensearch']))
    .option('--opensearch-url <url>', 'OpenSearch node to evaluate against (opensearch.nodes)')
    .option('--opensearch-launch', 'start a local OpenSearch node for the evaluation (implies --backend opensearch)')
    .action(async (flags: CliConfigFlags & { dataset: string; split: string; json?: boolean; backend?: string; opensearchUrl?: string; opensearchLaunch?: boolean }) => {
      const backend = flags.opensearchLaunch || flags.opensearchUrl ? 'opensearch' : flags.backend;
      const config = cliConfig(flags, {
        ...(backend ? { retrieval: { backend } } : {}),
        ...(flags.opensearchUrl ? { opensearch: { nodes: [flags.opensearchUrl] } } : {}),
      });
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
      const evaluate = (c: typeof config) => evaluateRetrieval(c, flags.dataset, flags.split, onProgress);
      const report = flags.opensearchLaunch ? await withLaunchedOpenSearch(config, evaluate) : await evaluate(config);
      (progress as Progress | null)?.stop();
      if (!flags.json) {
        console.log(`dataset     ${report.dataset} (${report.split}, ${report.queries} queries, ${report.documents} documents, ${report.chunks} chunks)`);
        console.log(`backend     ${report.backend}`);
        console.log(`nDCG@10     ${report['ndcg@10'].toFixed(4)}`);
        console.log(`Recall@100  ${report['recall@100'].toFixed(4)}`);
        console.log(`MRR@10      ${report['mrr@10'].toFixed(4)}`);
        console.log(`latency     p50 ${report.latency_ms.p50} ms, p95 ${report.latency_ms.p95} ms`);
        console.log(`ingestion   ${report.ingest_docs_per_s} docs/s`);
      } else console.log(JSON.stringify(report));
    });

  registerOpenSearchCommands(program, configOptions);

  program.addOption(new Option('--verbose', 'print stack traces of errors').hideHelp());
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildCli();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const message = err instanceof RagError || err instanceof Error ? err.message : String(err);
    console.error(`rag: ${message}`);
    if (argv.includes('--verbose') && err instanceof Error) console.error(err.stack);
    process.exitCode = 1;
  }
}
