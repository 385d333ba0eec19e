/**
 * Cost of rule-based query understanding per query: normalisation + spelling correction + decomposition
 * (`QueryPlanner.rulePlan`), against normalisation alone (the planner before query understanding), on a BEIR
 * dataset's queries, clean and with seeded typing noise.
 *
 *   npx tsx bench/query-understanding.ts --dataset /work/shared/datasets/scifact [--noise 0.2] [--seed 1] [--rounds 20] [--json]
 *
 * The corpus is indexed into a temporary store first (the vocabulary is the index's); that time is not measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { defaultConfigPath } from '../src/core/config.js';
import { loadConfig } from '../src/core/config.js';
import { loadBeirDataset } from '../src/eval/beir-dataset.js';
import { percentile } from '../src/eval/metrics.js';
import { QueryNoise } from '../src/eval/query-noise.js';
import { normalizeQuery } from '../src/query/query-planner.js';
import { Rag } from '../src/rag.js';

const opts = new Command()
  .requiredOption('--dataset <dir>', 'BEIR folder')
  .option('--split <name>', 'qrels split', 'test')
  .option('--noise <rate>', 'typo rate of the noisy run', '0.2')
  .option('--seed <n>', 'noise seed', '1')
  .option('--rounds <n>', 'times each query is planned (the median is its time)', '20')
  .option('--json', 'print a JSON summary as the last line')
  .parse(process.argv)
  .opts<{ dataset: string; split: string; noise: string; seed: string; rounds: string; json?: boolean }>();

const dataset = loadBeirDataset(opts.dataset, opts.split);
const dir = mkdtempSync(join(tmpdir(), 'rag-bench-qu-'));
const rag = new Rag(loadConfig({ files: [defaultConfigPath], overrides: { store: { path: join(dir, 'bench.db') }, server: { logLevel: 'silent' } } }));
try {
  process.stderr.write(`indexing ${dataset.corpusPath}\n`);
  await rag.ingestPaths([dataset.corpusPath], { batchSize: 1000 });
  const t0 = performance.now();
  rag.warm();
  const warmMs = performance.now() - t0;
  const rounds = Number(opts.rounds);
  const noise = new QueryNoise({ rate: Number(opts.noise), seed: Number(opts.seed) });

  /** Median time (ms) of `fn` on each query, over the rounds. */
  const perQuery = (texts: string[], fn: (q: string) => unknown): number[] => {
    for (const q of texts) fn(q); // warm-up: JIT and caches
    return texts.map((q) => {
      const times: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const s = performance.now();
        fn(q);
        times.push(performance.now() - s);
      }
      return percentile(times, 50);
    });
  };
  const summarise = (ms: number[]): { p50: number; p95: number; mean: number } => ({
    p50: Number(percentile(ms, 50).toFixed(4)),
    p95: Number(percentile(ms, 95).toFixed(4)),
    mean: Number((ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(4)),
  });

  const runs: Record<string, { baseline: ReturnType<typeof summarise>; understanding: ReturnType<typeof summarise>; added_p50_ms: number }> = {};
  for (const [name, texts] of [
    ['clean', dataset.queries.map((q) => q.text)],
    [`noise ${opts.noise}`, dataset.queries.map((q) => noise.apply(q.text, q.id).text)],
  ] as const) {
    const baseline = summarise(perQuery([...texts], normalizeQuery));
    const understanding = summarise(perQuery([...texts], (q) => rag.planner.rulePlan(q)));
    runs[name] = { baseline, understanding, added_p50_ms: Number((understanding.p50 - baseline.p50).toFixed(4)) };
  }
  const vocab = rag.retriever.vocabulary();
  const report = { dataset: opts.dataset, queries: dataset.queries.length, rounds, warm_ms: Math.round(warmMs), vocabulary_words: vocab.wordCount, runs };
  console.log(`dataset ${opts.dataset}: ${dataset.queries.length} queries x ${rounds} rounds; index + vocabulary warm-up ${report.warm_ms} ms, ${vocab.wordCount} words`);
  console.log('run            normalise only p50/p95 ms   + denoise + decompose p50/p95 ms   added p50 ms');
  for (const [name, r] of Object.entries(runs)) {
    console.log(`${name.padEnd(14)} ${`${r.baseline.p50} / ${r.baseline.p95}`.padEnd(27)} ${`${r.understanding.p50} / ${r.understanding.p95}`.padEnd(34)} ${r.added_p50_ms}`);
  }
  if (opts.json) console.log(JSON.stringify(report));
} finally {
  rag.close();
  rmSync(dir, { recursive: true, force: true });
}
