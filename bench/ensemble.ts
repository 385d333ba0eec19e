/**
 * Ensemble wall time against its members': each question is answered by every member alone and by the ensemble
 * (members concurrently, sharing retrieval), on fresh request contexts. Prints the mean per-question times.
 *   npx tsx bench/ensemble.ts <qa-dataset-dir> [config.yaml] [ensemble] [questions]
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/core/config.js';
import { RunContext } from '../src/core/run-context.js';
import { Rag } from '../src/rag.js';

const [dir = '../shared/datasets/hotpotqa-distractor', configPath = 'config/ensemble.example.yaml', name = 'all', limit = '100'] = process.argv.slice(2);
const config = loadConfig({ files: [configPath], overrides: { store: { path: ':memory:' }, cache: { enabled: false }, bootstrap: { ingestOnEmpty: false } } });
const rag = new Rag(config);
await rag.ingestPaths([`${dir}/corpus.jsonl`]);
rag.warm();
const questions = readFileSync(`${dir}/queries.jsonl`, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .slice(0, Number(limit))
  .map((l) => (JSON.parse(l) as { text: string }).text);
const members = rag.ensembles.get(name).memberNames;
const time = async (request: { query: string; pipeline?: string; ensemble?: string }): Promise<number> => {
  const started = performance.now();
  await rag.query(request, new RunContext());
  return performance.now() - started;
};
// One pass first so no timing pays for JIT warm-up.
for (const q of questions.slice(0, 10)) await time({ query: q, ensemble: name });
const totals = new Map<string, number>();
for (const q of questions) {
  for (const m of members) totals.set(m, (totals.get(m) ?? 0) + (await time({ query: q, pipeline: m })));
  totals.set(`ensemble ${name}`, (totals.get(`ensemble ${name}`) ?? 0) + (await time({ query: q, ensemble: name })));
}
const mean = (k: string): number => (totals.get(k) ?? 0) / questions.length;
const slowest = Math.max(...members.map(mean));
for (const k of totals.keys()) console.log(`${k.padEnd(24)} ${mean(k).toFixed(2)} ms/question`);
console.log(`ensemble / slowest member: ${(mean(`ensemble ${name}`) / slowest).toFixed(2)} (members ${members.length}, ${questions.length} questions)`);
await rag.close();
