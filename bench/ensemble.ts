/**
 * Ensemble wall time against its members': each question is answered by every member alone and by the ensemble
 * (members concurrently, sharing retrieval, reranking and identical reads), on fresh request contexts, after an
 * untimed pass that warms every cache. Prints the mean per-question times and the ratio of the ensemble's to its slowest member's.
 *
 *   npx tsx bench/ensemble.ts --dataset <qa-dataset-dir> [--config config/ensemble.example.yaml] [--ensemble lean]
 *   npx tsx bench/ensemble.ts --dataset <qa-dataset-dir> --llm-ms 150
 *
 * With `--llm-ms`, the members are LLM pipelines of every kind (sequential, iterative, loop, branching) answering
 * through an OpenAI-compatible server on 127.0.0.1 that takes that long per completion (the test suite's scripted
 * server: it returns one short answer with log-probabilities), so the figure is the ensemble's overhead when the
 * members wait on a model, as they do in production. Without it, the extractive members are CPU-bound on one
 * event loop and the ensemble's time is the sum of the work its members do not share.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { loadConfig, type Config } from '../src/core/config.js';
import { RunContext } from '../src/core/run-context.js';
import { Rag } from '../src/rag.js';
import { OpenAiTestServer } from '../test/helpers/openai-test-server.js';
import { nonNegativeNumber, positiveInt } from './cli-numbers.js';
import { requireInputs } from './input-path.js';

const options = new Command()
  .requiredOption('--dataset <dir>', 'a QA dataset folder (corpus.jsonl, queries.jsonl)')
  .option('--config <file>', 'pipelines and ensembles (extractive mode)', 'config/ensemble.example.yaml')
  .option('--ensemble <name>', 'the ensemble to time (extractive mode)', 'lean')
  .option('--questions <n>', 'questions timed', positiveInt('--questions'), 100)
  .option('--passes <n>', 'timed passes over the questions (the means are over all of them)', positiveInt('--passes'), 3)
  .option('--llm-ms <ms>', 'time LLM members instead, against a local server taking this long per completion', nonNegativeNumber('--llm-ms'))
  .parse()
  .opts<{ dataset: string; config: string; ensemble: string; questions: number; passes: number; llmMs?: number }>();

requireInputs('bench/ensemble.ts', [`${options.dataset}/corpus.jsonl`, `${options.dataset}/queries.jsonl`]);

const base = { store: { path: ':memory:' }, cache: { enabled: false }, bootstrap: { ingestOnEmpty: false } };
let server: OpenAiTestServer | undefined;
let config: Config;
let name = options.ensemble;
if (options.llmMs !== undefined) {
  const delayMs = options.llmMs;
  server = await OpenAiTestServer.start({
    reply: () => ({ delayMs, tokens: [{ token: 'An', logprob: -0.1 }, { token: ' answer', logprob: -0.3 }, { token: '.', logprob: -0.05 }] }),
  });
  const llm = { generator: 'llm', abstainAbove: 1 } as const;
  name = 'llm-all';
  config = loadConfig({
    files: ['config/default.yaml'],
    overrides: {
      ...base,
      llm: { baseUrl: server.baseUrl, model: 'test-model', concurrency: 64 },
      pipelines: {
        default: { kind: 'sequential' },
        'llm-sequential': { kind: 'sequential', ...llm },
        'llm-iterative': { kind: 'iterative', rounds: 3, ...llm },
        'llm-loop': { kind: 'loop', rounds: 3, stopBelow: 0, ...llm },
        'llm-branching': { kind: 'branching', branchBy: 'documents', maxBranches: 4, ...llm },
      },
      ensembles: { [name]: { members: ['llm-sequential', 'llm-iterative', 'llm-loop', 'llm-branching'], beta: 2, abstainAbove: 1 } },
    },
  });
} else {
  config = loadConfig({ files: ['config/default.yaml', options.config], overrides: base });
}
const rag = new Rag(config);
try {
  await rag.ingestPaths([`${options.dataset}/corpus.jsonl`]);
  rag.warm();
  const questions = readFileSync(`${options.dataset}/queries.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .slice(0, options.questions)
    .map((l) => (JSON.parse(l) as { text: string }).text);
  const members = rag.ensembles.get(name).memberNames;
  const time = async (request: { query: string; pipeline?: string; ensemble?: string }): Promise<number> => {
    const started = performance.now();
    await rag.query(request, new RunContext());
    const ms = performance.now() - started;
    // A turn of the event loop between requests, untimed, as a server has: extractive reads resolve in microtasks
    // only, and V8 keeps every WeakRef target of the job (the requests' abort signals) alive until the job ends.
    await new Promise((resolve) => setImmediate(resolve));
    return ms;
  };
  // One untimed pass over every question first, so no timing pays for JIT warm-up or for filling the caches of
  // analysed text and chunk rows: otherwise whichever member runs first on a question pays for the others.
  for (const q of questions) await time({ query: q, ensemble: name });
  const totals = new Map<string, number>();
  // Every member alone and the ensemble, question by question, so a slow moment of the machine falls on all alike.
  for (let pass = 1; pass <= options.passes; pass++) {
    for (const q of questions) {
      for (const m of members) totals.set(m, (totals.get(m) ?? 0) + (await time({ query: q, pipeline: m })));
      totals.set(`ensemble ${name}`, (totals.get(`ensemble ${name}`) ?? 0) + (await time({ query: q, ensemble: name })));
    }
    process.stderr.write(`pass ${pass}/${options.passes} done\n`);
  }
  const mean = (k: string): number => (totals.get(k) ?? 0) / (questions.length * options.passes);
  const slowest = Math.max(...members.map(mean));
  for (const k of totals.keys()) console.log(`${k.padEnd(24)} ${mean(k).toFixed(2)} ms/question`);
  // What running the members one after another would cost: the ensemble saves the work they share.
  const summed = members.reduce((s, m) => s + mean(m), 0);
  console.log(`${'members summed'.padEnd(24)} ${summed.toFixed(2)} ms/question (the ensemble does ${(100 * (1 - mean(`ensemble ${name}`) / summed)).toFixed(0)} % less)`);
  const mode = options.llmMs !== undefined ? `LLM members, ${options.llmMs} ms per completion` : 'extractive members, one event loop';
  console.log(`ensemble / slowest member: ${(mean(`ensemble ${name}`) / slowest).toFixed(2)} (${mode}; members ${members.length}, ${questions.length} questions x ${options.passes} passes)`);
} finally {
  await rag.close();
  await server?.close();
}
