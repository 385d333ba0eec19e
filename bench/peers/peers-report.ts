import type { Level, Measured } from './measure.js';

export interface PeersReport {
  dataset: string;
  split: string;
  /** Queries run (all of the split's, unless --max-queries). */
  queries: number;
  allQueries: number;
  documents: number;
  chunks: number;
  k: number;
  protocol: { warmupQueries: number; warmupSeconds: number; minSeconds: number; concurrency: number };
  /** The hybrid rows' embedder, or null when there are none. */
  hybrid: string | null;
  /** Where OpenSearch ran, or null when (b) was left out. */
  opensearch: string | null;
  systems: Array<Measured & { what: string }>;
  machine: { node: string; cpus: number; cpu: string; memGiB: number; load1: number };
  command: string;
}

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n: number): string => (n >= 100 ? fmt(n, 0) : n >= 10 ? fmt(n, 1) : fmt(n, 2));
const times = (r: number): string => (Number.isFinite(r) ? `${r >= 100 ? fmt(r, 0) : r >= 10 ? fmt(r, 1) : fmt(r, 2)}x` : 'n/a');

/** This project's row a system is compared with: the Rag path of the same kind (BM25 or hybrid). */
export function referenceFor(systems: readonly Measured[], kind: Measured['kind']): Measured | undefined {
  return systems.find((s) => s.label.startsWith('(a)') && s.kind === kind && !s.label.includes('alone'));
}

/** How many times this project's QPS is the row's, at one level (sequential or concurrent). */
export function qpsRatio(ours: Level | null, theirs: Level | null): number {
  if (!ours || !theirs || theirs.qps === 0) return Number.NaN;
  return ours.qps / theirs.qps;
}

interface Goal {
  text: string;
  met: boolean;
}

/** The issue's goals: >= 10x the QPS of LangChain and LlamaIndex with nDCG@10 no lower, and not slower than OpenSearch. */
export function goals(systems: readonly Measured[]): Goal[] {
  const out: Goal[] = [];
  for (const kind of ['bm25', 'hybrid'] as const) {
    const ours = referenceFor(systems, kind);
    if (!ours) continue;
    for (const s of systems.filter((x) => x.kind === kind && !x.label.startsWith('(a)'))) {
      const levels: Array<[string, number]> = [['1 client', qpsRatio(ours.sequential, s.sequential)]];
      if (ours.concurrent && s.concurrent) levels.push([`${s.concurrent.concurrency} clients`, qpsRatio(ours.concurrent, s.concurrent)]);
      const ratios = levels.map(([l, r]) => `${times(r)} at ${l}`).join(', ');
      if (s.label.startsWith('(b)')) {
        out.push({ text: `${ours.label} not slower than ${s.label}: QPS ${ratios}`, met: levels.every(([, r]) => r >= 1) });
      } else {
        out.push({ text: `${ours.label} >= 10x the QPS of ${s.label}: ${ratios}`, met: levels.every(([, r]) => r >= 10) });
        out.push({ text: `${ours.label} nDCG@10 no lower than ${s.label}: ${fmt(ours.ndcg10, 4)} vs ${fmt(s.ndcg10, 4)}`, met: ours.ndcg10 >= s.ndcg10 });
      }
    }
  }
  return out;
}

/** The whole report as Markdown: the table, the goals, what each row runs and how to reproduce it. */
export function printPeersReport(r: PeersReport): void {
  const conc = r.protocol.concurrency > 1 ? r.protocol.concurrency : 0;
  out();
  out(`### Retrieval side by side: ${r.dataset} (${fmt(r.documents)} documents, ${fmt(r.chunks)} chunks, ${r.queries} ${r.split} queries${r.queries < r.allQueries ? ` of ${r.allQueries}: a partial run` : ''})`);
  out();
  out(`node ${r.machine.node}, ${r.machine.cpus} CPUs (${r.machine.cpu}), ${r.machine.memGiB} GiB; load average ${fmt(r.machine.load1, 2)} at the end of the run`);
  out();
  const head = ['system', 'nDCG@10', 'Δ nDCG vs (a)', 'QPS', 'p50 ms', 'p99 ms', '(a) ÷ this, QPS'];
  if (conc) head.push(`QPS @${conc}`, `p50 ms @${conc}`, `(a) ÷ this @${conc}`);
  head.push('errors');
  out(`| ${head.join(' | ')} |`);
  out(`| --- | ${head.slice(1).map(() => '---:').join(' | ')} |`);
  for (const s of r.systems) {
    const ref = referenceFor(r.systems, s.kind);
    const delta = ref ? s.ndcg10 - ref.ndcg10 : Number.NaN;
    const cells = [
      s.label,
      fmt(s.ndcg10, 4),
      Number.isFinite(delta) ? `${delta > 0 ? '+' : delta < 0 ? '−' : '±'}${fmt(Math.abs(delta), 4)}` : 'n/a',
      fmt(s.sequential.qps, 1),
      ms(s.sequential.p50_ms),
      ms(s.sequential.p99_ms),
      times(qpsRatio(ref?.sequential ?? null, s.sequential)),
    ];
    if (conc) cells.push(s.concurrent ? fmt(s.concurrent.qps, 1) : 'n/a', s.concurrent ? ms(s.concurrent.p50_ms) : 'n/a', times(qpsRatio(ref?.concurrent ?? null, s.concurrent)));
    cells.push(String(s.errors));
    out(`| ${cells.join(' | ')} |`);
  }
  out();
  const gs = goals(r.systems);
  if (gs.length > 0) {
    out('Goals (issue 9):');
    out();
    for (const g of gs) out(`- ${g.met ? 'met' : 'MISSED'}: ${g.text}`);
    out();
  }
  out(
    `Protocol, the same for every row, in one Node process, one system at a time: a warm-up of at least ${r.protocol.warmupQueries} queries and ${r.protocol.warmupSeconds} s; then every query once, one at a time, ` +
      `repeated until ${r.protocol.minSeconds} s have passed (QPS, p50, p99 over all passes; nDCG@10 from the first)` +
      (conc ? `; then ${conc} clients in a closed loop over at least one pass and ${r.protocol.minSeconds} s` : '') +
      `. Each system is asked for the top ${r.k} chunks; documents are ranked by their best chunk (src/eval/document-ranking.ts) and scored with src/eval/metrics.ts. ` +
      `"(a) ÷ this" is this project's QPS (the Rag.retrieve row of the same kind) divided by the row's. A query that throws is an error and scores 0.`,
  );
  out();
  out('What each row runs:');
  out();
  for (const s of r.systems) out(`- ${s.label}: ${s.what}${s.errors > 0 ? ` (errors: ${s.errors}; first: ${s.firstError ?? ''})` : ''}`);
  if (!r.hybrid) out('- hybrid rows: none (--embedder none)');
  out();
  out(`Reproduce: \`${r.command}\``);
}
