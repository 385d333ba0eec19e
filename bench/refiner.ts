/**
 * Refiner latency: 8 pre-structured long documents (the LongRefiner wiki fixture's longest, structured once as at
 * ingestion) refined per query under a budget, with the lexical scorer (query terms weighted among the request,
 * then by the term statistics of an index of the whole fixture, as a server's index gives them) and, given a
 * cross-encoder folder, with it.
 *   npx tsx bench/refiner.ts <docs.json> [--cross-encoder <model folder>] [--budget 1024] [--runs 50]
 */
import { readFileSync } from 'node:fs';
import { analyze } from '../src/core/analyzer.js';
import { RunContext } from '../src/core/run-context.js';
import { TextMemo } from '../src/core/text-memo.js';
import { percentile } from '../src/eval/metrics.js';
import { HierarchicalRefiner } from '../src/refiner/hierarchical-refiner.js';
import { QueryFormClassifier } from '../src/refiner/query-form-classifier.js';
import type { RefineDocument } from '../src/refiner/refine-tree.js';
import type { TermStatistics } from '../src/refiner/term-statistics.js';
import { TitleMatchSelector } from '../src/refiner/title-match-selector.js';
import { estimateTokenCounter } from '../src/refiner/token-counter.js';
import { CrossEncoderReranker } from '../src/rerankers/cross-encoder-reranker.js';
import { LexicalReranker } from '../src/rerankers/lexical-reranker.js';
import type { Reranker } from '../src/rerankers/reranker.js';
import { Bm25Index } from '../src/retrievers/bm25-index.js';
import { Chunker } from '../src/store/chunker.js';
import { parsePlainText } from '../src/store/parse-plain-text.js';
import { requireInputs } from './input-path.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const USAGE = 'npx tsx bench/refiner.ts <docs.json> [--cross-encoder <folder>] [--budget n] [--runs n]';
const path = args[0];
if (!path || path.startsWith('--')) {
  console.error(`bench/refiner.ts: give the documents file first\nusage: ${USAGE}`);
  process.exit(2);
}
requireInputs('bench/refiner.ts', [path], USAGE);
const budget = Number(flag('--budget') ?? 1024);
const runs = Number(flag('--runs') ?? 50);
const data = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Array<{ id: string | number; title: string; contents: string }>>;
const rows = Object.values(data).flat().sort((a, b) => b.contents.length - a.contents.length).slice(0, 8);
const docs: RefineDocument[] = rows.map((r) => ({ docId: String(r.id), title: r.title, structure: parsePlainText(r.contents, r.title) }));
const queries = [
  'who got the first nobel prize in physics',
  'summarize the controversies around the nobel prize',
  'what did einstein receive the nobel prize for',
  'how did quantum theory develop',
  'when was the planck constant fixed',
];

// The fixture's whole corpus chunked and indexed as ingestion does: the term statistics a server's index would give.
const chunker = new Chunker({ chunkSize: 1200, chunkOverlap: 150 });
const index = new Bm25Index({ k1: 0.9, b: 0.4 });
for (const r of Object.values(data).flat()) {
  for (const c of await chunker.chunk(parsePlainText(r.contents, r.title))) index.add(index.size, analyze(`${r.title}\n${c.headingPath.join('\n')}\n${c.text}`));
}

async function bench(name: string, scorer: Reranker, memo: TextMemo, stats?: TermStatistics): Promise<void> {
  const deps = { scorer, analyzer: new QueryFormClassifier(), selector: new TitleMatchSelector({ memo }), tokens: estimateTokenCounter, memo };
  const refiner = new HierarchicalRefiner(stats ? { ...deps, terms: () => stats } : deps, { maxUnitWords: 40 });
  for (const q of queries) await refiner.refine(q, docs, budget, new RunContext()); // warm the memo, as a serving process is
  const times: number[] = [];
  let tokensIn = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await refiner.refine(queries[i % queries.length] ?? '', docs, budget, new RunContext());
    times.push(performance.now() - t0);
    tokensIn = r.tokensIn;
  }
  console.log(`${name.padEnd(15)} p50 ${percentile(times, 50).toFixed(2)} ms  p95 ${percentile(times, 95).toFixed(2)} ms  (${docs.length} documents, ${tokensIn} tokens in, budget ${budget}, ${runs} runs)`);
}

const memo = new TextMemo(200_000);
await bench('lexical', new LexicalReranker(memo), memo);
await bench('lexical+corpus', new LexicalReranker(memo), memo, index);
const ce = flag('--cross-encoder');
if (ce) {
  const reranker = new CrossEncoderReranker('bench-ce', { modelPath: ce, allowRemoteModels: false, maxLength: 256, executionProviders: ['cpu'], dtype: 'fp32', batchSize: 4096, sigmoid: false });
  await reranker.load();
  await bench('cross-encoder', reranker, memo);
  await reranker.dispose();
}
