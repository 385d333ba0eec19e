/**
 * What ingesting one large document costs the other requests of a server: the longest the event loop was held
 * while `Rag.ingest` took it, with large documents parsed in a worker thread (`ingest.parseThreads`, the default)
 * and on the event loop (`parseThreads: 0`). A timer ticking every 5 ms measures the gaps.
 *
 *   npx tsx bench/large-document.ts [--mb 3.5] [--file some.md] [--runs 3]
 *
 * Without `--file`, the document is this repository's README and docs repeated up to `--mb` megabytes of Markdown.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { defaultConfigPath, loadConfig } from '../src/core/config.js';
import { Rag } from '../src/rag.js';
import { positiveInt, positiveNumber } from './cli-numbers.js';

const options = new Command()
  .option('--mb <n>', 'size of the generated document, in millions of characters', positiveNumber('--mb'), 3.5)
  .option('--file <path>', 'a Markdown file to ingest instead')
  .option('--runs <n>', 'ingestions per setting (each a new id)', positiveInt('--runs'), 3)
  .parse()
  .opts<{ mb: number; file?: string; runs: number }>();

const repo = new URL('..', import.meta.url);
const base = ['README.md', 'docs/architecture.md', 'docs/configuration.md', 'docs/api.md'].map((f) => readFileSync(new URL(f, repo), 'utf8')).join('\n\n');
const chars = Math.round(options.mb * 1_000_000);
const text = options.file ? readFileSync(options.file, 'utf8') : base.repeat(Math.ceil(chars / base.length)).slice(0, chars);

/** Runs `work` while a 5 ms timer notes the longest time between its ticks. */
async function longestGap<T>(work: () => Promise<T>): Promise<{ ms: number; gapMs: number; result: T }> {
  let last = performance.now();
  let gapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
  }, 5);
  const start = performance.now();
  const result = await work();
  const ms = performance.now() - start;
  // One more tick, so a block at the very end is counted too.
  await new Promise((resolve) => setTimeout(resolve, 10));
  clearInterval(timer);
  return { ms, gapMs, result };
}

console.log(`document: ${text.length.toLocaleString('en')} characters of Markdown; ${options.runs} ingestions per setting`);
console.log('parse threads | ingest ms (mean) | longest event-loop gap ms (mean, max) | chunks');
for (const threads of [0, 1]) {
  const config = loadConfig({
    files: [defaultConfigPath],
    overrides: { store: { path: ':memory:' }, cache: { enabled: false }, bootstrap: { ingestOnEmpty: false }, ingest: { parseThreads: threads }, limits: { maxDocumentChars: Math.max(text.length, 1) } },
  });
  const rag = new Rag(config);
  const runs: Array<{ ms: number; gapMs: number; chunks: number }> = [];
  // The first ingestion starts the thread and warms the parser's code; it is not counted.
  for (let i = 0; i <= options.runs; i++) {
    const { ms, gapMs, result } = await longestGap(() => rag.ingest([{ id: `doc-${i}`, format: 'markdown', text }]));
    if (i > 0) runs.push({ ms, gapMs, chunks: result.chunks });
  }
  await rag.close();
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const gaps = runs.map((r) => r.gapMs);
  console.log(`${threads} | ${mean(runs.map((r) => r.ms)).toFixed(0)} | ${mean(gaps).toFixed(0)}, ${Math.max(...gaps).toFixed(0)} | ${runs[0]?.chunks ?? 0}`);
}
