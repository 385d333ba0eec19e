/**
 * Would running an extractive ensemble's members on two threads bring its wall time near its slowest member's?
 * Splits the ensemble's members into two groups, each an ensemble of its own: the first runs on the main thread,
 * the second in a worker thread holding its own copy of the index and caches. For each question it times every
 * member alone, the whole ensemble on one thread, each group alone (the worker's with its round trip), and both
 * groups at once; prints the means.
 *
 *   npm run build && npx tsx bench/ensemble-threads.ts --dataset <qa-dataset-dir> [--config config/ensemble.example.yaml]
 *     [--ensemble all] [--split 3] [--questions 261] [--passes 2]
 *
 * `--split n` puts the ensemble's first n members on the main thread and the rest in the worker. Both threads run
 * the compiled library (dist/, which `npm install` builds): TypeScript loaded through tsx in a worker runs slower
 * than on the main thread, which would blame the threads for the loader.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Command } from 'commander';
import type * as Library from '../src/index.js';
import { positiveInt } from './cli-numbers.js';

const options = new Command()
  .requiredOption('--dataset <dir>', 'a QA dataset folder (corpus.jsonl, queries.jsonl)')
  .option('--config <file>', 'pipelines and ensembles', 'config/ensemble.example.yaml')
  .option('--ensemble <name>', 'the ensemble to split', 'all')
  .option('--split <n>', 'members on the main thread (the rest run in the worker)', positiveInt('--split'), 3)
  .option('--questions <n>', 'questions timed', positiveInt('--questions'), 261)
  .option('--passes <n>', 'timed passes over the questions', positiveInt('--passes'), 2)
  .parse()
  .opts<{ dataset: string; config: string; ensemble: string; split: number; questions: number; passes: number }>();

const library = resolve('dist/index.js');
if (!existsSync(library)) throw new Error(`${library} is missing: run npm run build first`);
const { loadConfig, Rag, RunContext } = (await import(pathToFileURL(library).href)) as typeof Library;

const files = [resolve('config/default.yaml'), resolve(options.config)];
const whole = loadConfig({ files }).ensembles[options.ensemble];
if (!whole) throw new Error(`no ensemble ${options.ensemble} in ${options.config}`);
const members = whole.members;
if (options.split >= members.length) throw new Error(`--split ${options.split} leaves no member for the worker (${members.length} members)`);
// The two groups as ensembles named "first" and "second", with the whole ensemble's settings.
const overrides = {
  store: { path: ':memory:' },
  cache: { enabled: false },
  bootstrap: { ingestOnEmpty: false },
  ensembles: { first: { ...whole, members: members.slice(0, options.split) }, second: { ...whole, members: members.slice(options.split) } },
};
const corpus = resolve(options.dataset, 'corpus.jsonl');

// The worker: the same library and configuration, its own index; answers each question it is sent with "second".
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.library).then(async ({ loadConfig, Rag, RunContext }) => {
  const rag = new Rag(loadConfig({ files: workerData.files, overrides: workerData.overrides }));
  await rag.ingestPaths([workerData.corpus]);
  rag.warm();
  parentPort.on('message', (query) => {
    const started = performance.now();
    rag.query({ query, ensemble: 'second' }, new RunContext()).then(() => parentPort.postMessage(performance.now() - started));
  });
  parentPort.postMessage('ready');
});
`;
const worker = new Worker(workerSource, { eval: true, workerData: { library: pathToFileURL(library).href, files, overrides, corpus } });
const rag = new Rag(loadConfig({ files, overrides }));
try {
  await rag.ingestPaths([corpus]);
  rag.warm();
  await new Promise((ready, fail) => {
    worker.once('message', ready);
    worker.once('error', fail);
  });
  // Each reply is the worker's own time for the question, without the hand-over either way.
  const waiting: Array<(ms: number) => void> = [];
  worker.on('message', (ms: number) => waiting.shift()?.(ms));
  const inWorker = (query: string) =>
    new Promise<number>((answered) => {
      waiting.push(answered);
      worker.postMessage(query);
    });
  let insideWorker = 0;
  const answer = (query: string, target: { ensemble: string } | { pipeline: string }) => rag.query({ query, ...target }, new RunContext());
  const questions = readFileSync(resolve(options.dataset, 'queries.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .slice(0, options.questions)
    .map((l) => (JSON.parse(l) as { text: string }).text);
  const runs: Record<string, (q: string) => Promise<unknown>> = {
    ...Object.fromEntries(members.map((m) => [m, (q: string) => answer(q, { pipeline: m })])),
    [`ensemble ${options.ensemble}, one thread`]: (q) => answer(q, { ensemble: options.ensemble }),
    'first group, main thread': (q) => answer(q, { ensemble: 'first' }),
    'second group, main thread': (q) => answer(q, { ensemble: 'second' }),
    'second group, worker': async (q) => {
      if (timing) insideWorker += await inWorker(q);
      else await inWorker(q);
    },
    'both groups at once': (q) => Promise.all([inWorker(q), answer(q, { ensemble: 'first' })]),
  };
  // An untimed pass first, so JIT warm-up and cache fills fall on no timing.
  let timing = false;
  for (const q of questions) for (const run of Object.values(runs)) await run(q);
  timing = true;
  const totals = new Map<string, number>();
  for (let pass = 1; pass <= options.passes; pass++) {
    for (const q of questions) {
      for (const [name, run] of Object.entries(runs)) {
        const started = performance.now();
        await run(q);
        totals.set(name, (totals.get(name) ?? 0) + performance.now() - started);
      }
    }
    process.stderr.write(`pass ${pass}/${options.passes} done\n`);
  }
  const mean = (k: string): number => (totals.get(k) ?? 0) / (questions.length * options.passes);
  const slowest = Math.max(...members.map(mean));
  for (const k of totals.keys()) console.log(`${k.padEnd(32)} ${mean(k).toFixed(2)} ms/question  ${(mean(k) / slowest).toFixed(2)}x the slowest member`);
  const inside = insideWorker / (questions.length * options.passes);
  console.log(`${'second group, inside the worker'.padEnd(32)} ${inside.toFixed(2)} ms/question  (without the hand-over to and from it)`);
  console.log(`split: main thread ${members.slice(0, options.split).join(', ')}; worker ${members.slice(options.split).join(', ')}`);
} finally {
  await worker.terminate();
  await rag.close();
}
