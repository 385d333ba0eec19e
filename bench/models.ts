/**
 * Model benchmark: embedding throughput and cross-encoder latency, with the time around the model call (tokenizing,
 * padding, pooling, sorting) separated from the ONNX Runtime call itself (the model spans' `onnxMs`), so that
 * overhead is tracked.
 *
 *   npx tsx bench/models.ts                                  # the tiny test models (generated, cached)
 *   npx tsx bench/models.ts --model ~/models/e5-small-v2 --reranker ~/models/bge-reranker-base
 *   npx tsx bench/models.ts --providers cuda,cpu --json
 *
 * See bench/README.md ("Models") for what each figure means.
 */
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { RunContext } from '../src/core/run-context.js';
import type { ScoredChunk } from '../src/core/types.js';
import type { ExecutionProvider } from '../src/models/execution-providers.js';
import type { Pooling } from '../src/models/pooling.js';
import { TransformersEmbedder } from '../src/models/transformers-embedder.js';
import { CrossEncoderReranker } from '../src/rerankers/cross-encoder-reranker.js';
import { ensureTinyModels } from '../scripts/tiny-models/tiny-models.js';
import { mulberry32, randInt } from '../test/helpers/random.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

interface Options {
  model?: string;
  reranker?: string;
  pooling: Pooling;
  batch: number;
  texts: number;
  rounds: number;
  passages: number;
  calls: number;
  maxLength: number;
  providers: ExecutionProvider[];
  json: boolean;
}

const WORDS = (
  'the of and to in is was for on that with as by at from it an be are this which or his her their they we you he she not but have has had ' +
  'star sun moon planet gravity plasma energy light galaxy earth water river mountain forest city country government history war king ' +
  'company market money school student book document index query search answer model data system program information example research'
).split(' ');

/** Passages of 30 to 120 words (40 to 160 tokens), about what a RAG chunk holds. */
function corpus(n: number, seed: number): string[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, () => Array.from({ length: 30 + randInt(rnd, 91) }, () => WORDS[randInt(rnd, WORDS.length)]).join(' ') + '.');
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
};
const ms = (x: number): string => x.toFixed(x < 10 ? 2 : 1);

/** Sum of the ONNX Runtime time the model spans of a trace report, and their count. */
function onnxTime(ctx: RunContext, span: string): { ms: number; calls: number; tokens: number } {
  const spans = ctx.trace.spans.filter((s) => s.name === span);
  return {
    ms: spans.reduce((n, s) => n + Number(s.attrs?.['onnxMs'] ?? 0), 0),
    calls: spans.length,
    tokens: spans.reduce((n, s) => n + Number(s.attrs?.['tokens'] ?? 0), 0),
  };
}

async function benchEmbeddings(label: string, modelPath: string, o: Options): Promise<Record<string, number | string>> {
  const embedder = new TransformersEmbedder({
    modelPath,
    allowRemoteModels: false,
    executionProviders: o.providers,
    dtype: 'fp32',
    maxLength: o.maxLength,
    pooling: o.pooling,
    normalize: true,
    queryPrefix: '',
    passagePrefix: '',
    batchSize: o.batch,
  });
  await embedder.load();
  const texts = corpus(o.texts, 1);
  await embedder.embedPassages(texts.slice(0, o.batch * 2), new RunContext());

  // Each round's wall time, and within it the ONNX Runtime calls' own time (the spans' onnxMs), measured together
  // so a busy machine slows both alike.
  const walls: number[] = [];
  const onnx: number[] = [];
  let tokens = 0;
  for (let r = 0; r < o.rounds; r++) {
    const ctx = new RunContext();
    const started = performance.now();
    await embedder.embedPassages(texts, ctx);
    walls.push(performance.now() - started);
    const t = onnxTime(ctx, 'model.embeddings');
    onnx.push(t.ms);
    tokens += t.tokens;
  }
  const status = embedder.status();
  await embedder.dispose();
  const wall = walls.reduce((a, b) => a + b, 0);
  const overhead = walls.map((w, i) => w - (onnx[i] ?? 0));
  return {
    model: label,
    provider: status.provider ?? '',
    dims: status.dimensions ?? 0,
    batch: o.batch,
    'texts/s': Math.round((o.texts * o.rounds) / (wall / 1000)),
    'tokens/s': Math.round(tokens / (wall / 1000)),
    'round ms (median)': Number(ms(pct(walls, 50))),
    'onnx ms': Number(ms(pct(onnx, 50))),
    'around ms': Number(ms(pct(overhead, 50))),
    'around %': Math.round((100 * overhead.reduce((a, b) => a + b, 0)) / wall),
  };
}

async function benchReranker(label: string, modelPath: string, o: Options): Promise<Record<string, number | string>> {
  const reranker = new CrossEncoderReranker('bench', {
    modelPath,
    allowRemoteModels: false,
    executionProviders: o.providers,
    dtype: 'fp32',
    maxLength: o.maxLength,
    batchSize: Math.max(o.passages, 1),
    sigmoid: false,
  });
  await reranker.load();
  const query = 'what is the gravity of a star made of plasma and energy';
  const chunks: ScoredChunk[] = corpus(o.passages, 2).map((text, i) => ({ id: `c${i}`, docId: `d${i}`, text, score: 0, source: 'bm25' }));
  for (let i = 0; i < 5; i++) await reranker.rerank(query, chunks, { k: 10 }, new RunContext());

  const latencies: number[] = [];
  const onnx: number[] = [];
  let calls = 0;
  let seq = 0;
  for (let i = 0; i < o.calls; i++) {
    const ctx = new RunContext();
    const started = performance.now();
    await reranker.rerank(query, chunks, { k: 10 }, ctx);
    latencies.push(performance.now() - started);
    const t = onnxTime(ctx, 'model.bench');
    onnx.push(t.ms);
    calls += t.calls;
    seq = Number(ctx.trace.spans.find((s) => s.name === 'model.bench')?.attrs?.['seq'] ?? 0);
  }
  const status = reranker.status();
  await reranker.dispose();
  const around = latencies.map((l, i) => l - (onnx[i] ?? 0));
  return {
    model: label,
    provider: status.provider ?? '',
    passages: o.passages,
    'model calls/request': calls / o.calls,
    'seq len': seq,
    'p50 ms': Number(ms(pct(latencies, 50))),
    'p99 ms': Number(ms(pct(latencies, 99))),
    'onnx p50 ms': Number(ms(pct(onnx, 50))),
    'around p50 ms': Number(ms(pct(around, 50))),
    'around p99 ms': Number(ms(pct(around, 99))),
  };
}

function table(rows: Array<Record<string, number | string>>): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = [keys, ...rows.map((r) => keys.map((k) => String(r[k] ?? '')))];
  const widths = keys.map((_, i) => Math.max(...cells.map((c) => (c[i] ?? '').length)));
  return cells.map((c) => c.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const program = new Command()
    .option('--model <dir>', 'also an embedding model folder (transformers.js layout)')
    .option('--reranker <dir>', 'also a cross-encoder model folder')
    .option('--pooling <p>', 'pooling of --model: mean or cls', 'mean')
    .option('--batch <n>', 'texts per embedding call', '32')
    .option('--texts <n>', 'texts embedded per round', '512')
    .option('--rounds <n>', 'measured rounds of embedding', '5')
    .option('--passages <n>', 'passages per rerank call', '50')
    .option('--calls <n>', 'measured rerank calls', '100')
    .option('--max-length <n>', 'token limit per input', '512')
    .option('--providers <list>', 'execution providers, in order', 'cpu')
    .option('--json', 'print a JSON summary as the last line');
  program.parse();
  const f = program.opts<Record<string, string | boolean | undefined>>();
  const o: Options = {
    pooling: f['pooling'] === 'cls' ? 'cls' : 'mean',
    batch: Number(f['batch']),
    texts: Number(f['texts']),
    rounds: Number(f['rounds']),
    passages: Number(f['passages']),
    calls: Number(f['calls']),
    maxLength: Number(f['maxLength']),
    providers: String(f['providers']).split(',') as ExecutionProvider[],
    json: f['json'] === true,
  };
  if (typeof f['model'] === 'string') o.model = resolve(f['model']);
  if (typeof f['reranker'] === 'string') o.reranker = resolve(f['reranker']);

  const tiny = ensureTinyModels(join(REPO_ROOT, 'test-artifacts', 'tiny-models'));
  process.stderr.write(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'})\n`);
  const embeddings = [await benchEmbeddings('tiny (32-d, 2 layers)', tiny.embedder, o)];
  if (o.model) embeddings.push(await benchEmbeddings(o.model, o.model, o));
  const rerank = [await benchReranker('tiny cross-encoder', tiny.crossEncoder, o)];
  if (o.reranker) rerank.push(await benchReranker(o.reranker, o.reranker, o));

  console.log(`\nEmbeddings: ${o.texts} passages of 30-120 words, batch ${o.batch}, ${o.rounds} rounds`);
  console.log(table(embeddings));
  console.log(`\nCross-encoder: ${o.passages} passages per request, ${o.calls} requests`);
  console.log(table(rerank));
  if (o.json) console.log(JSON.stringify({ embeddings, rerank }));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
