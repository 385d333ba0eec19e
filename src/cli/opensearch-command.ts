import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { Rag } from '../rag.js';
import { RagError } from '../core/errors.js';
import { resolveOpenSearchDistribution } from '../store/opensearch-distribution.js';
import { launchOpenSearch, launchProblem } from '../store/opensearch-launcher.js';
import { cliConfig, type CliConfigFlags } from './cli-config.js';
import { startProgress } from './progress.js';
import { port, wholeNumber } from './whole-number.js';

/** `rag opensearch resolve|start` (a local node for tests and development) and `rag opensearch rebuild` (from the store). */
export function registerOpenSearchCommands(program: Command, configOptions: (cmd: Command) => Command): void {
  const group = program.command('opensearch').description('the OpenSearch backend: a local node, rebuilds');

  group
    .command('resolve')
    .description('resolve the local node\'s artifacts from Maven (cached in ~/.m2) and lay them out, without starting it')
    .action(async () => {
      const problem = launchProblem();
      if (problem) throw new RagError('CONFIG', `cannot launch OpenSearch here: ${problem}`);
      const distribution = await resolveOpenSearchDistribution({ log: (line) => process.stderr.write(`${line}\n`) });
      console.log(`OpenSearch ${distribution.version} with k-NN ${distribution.knnVersion}: ${distribution.dir}`);
    });

  group
    .command('start')
    .description('run a single local OpenSearch node (from Maven artifacts; no Docker) until Ctrl-C')
    .option('-p, --port <port>', 'HTTP port (default: a free one)', port)
    .option('--data <dir>', 'keep the data in this folder across runs (default: a temporary folder, removed)')
    .option('--heap-mb <n>', 'JVM heap in MiB (at least 128)', wholeNumber(128), 512)
    .action(async (flags: { port?: number; data?: string; heapMb: number }) => {
      if (flags.data !== undefined && existsSync(flags.data) && !statSync(flags.data).isDirectory()) {
        throw new RagError('BAD_REQUEST', `--data ${flags.data} is a file, not a folder to keep the node's data in`);
      }
      const node = await launchOpenSearch({
        ...(flags.port ? { port: flags.port } : {}),
        ...(flags.data ? { dataDir: flags.data } : {}),
        heapMb: flags.heapMb,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      console.log(`OpenSearch is running at ${node.url} (Ctrl-C stops it)`);
      console.log(`  RAG_RETRIEVAL__BACKEND=opensearch RAG_OPENSEARCH__NODES='["${node.url}"]' npm start`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await node.close();
    });

  configOptions(group.command('rebuild').description('rebuild the OpenSearch collection from the store into a new index, then switch the alias'))
    .action(async (flags: CliConfigFlags) => {
      const rag = new Rag(cliConfig(flags, { retrieval: { backend: 'opensearch' } }));
      const progress = startProgress('rebuild', rag.store.counts().documents);
      try {
        const r = await rag.rebuildSearchIndex((done) => progress.update(done));
        progress.stop();
        console.log(`rebuilt ${rag.config.opensearch.index} into ${r.index}: ${r.documents} documents, ${r.chunks} chunks`);
        for (const f of r.failed) console.log(`  failed: ${f.id} (${f.status}): ${f.reason}`);
        if (r.failed.length > 0) process.exitCode = 1;
      } finally {
        progress.stop();
        rag.close();
      }
    });
}
