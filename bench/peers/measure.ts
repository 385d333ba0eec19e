import type { BeirQuery } from '../../src/eval/beir-dataset.js';
import { documentRanking } from '../../src/eval/document-ranking.js';
import { mean, ndcgAt, percentile } from '../../src/eval/metrics.js';
import type { PeerSystem } from './peer-system.js';

export interface ProtocolOptions {
  /** Chunks asked of every system per query (documents are ranked by their best chunk). */
  k: number;
  /** Unmeasured queries first (JIT, caches, connections): at least this many, in order, wrapping around... */
  warmupQueries: number;
  /** ...and for at least this long (a JVM behind HTTP needs hundreds of queries to warm up, not ten). */
  warmupSeconds: number;
  /** Sequential passes over the query set are repeated until at least this long has passed (at least one pass). */
  minSeconds: number;
  /** Clients of the closed-loop level; 1 runs the sequential level only. */
  concurrency: number;
  /** Told of each finished pass. */
  progress?: (line: string) => void;
}

export interface Level {
  concurrency: number;
  qps: number;
  p50_ms: number;
  p99_ms: number;
  /** Queries timed at this level, all passes together. */
  queries: number;
  seconds: number;
}

export interface Measured {
  label: string;
  kind: PeerSystem['kind'];
  /** Mean nDCG@10 over the queries of the first sequential pass; a query that failed counts 0. */
  ndcg10: number;
  queries: number;
  /** Queries the system threw on (in the scored pass), and the first message. */
  errors: number;
  firstError?: string;
  sequential: Level;
  concurrent: Level | null;
}

const round = (n: number, d: number): number => Math.round(n * 10 ** d) / 10 ** d;

function level(concurrency: number, latencies: readonly number[], seconds: number): Level {
  return {
    concurrency,
    qps: round(latencies.length / seconds, 1),
    p50_ms: round(percentile(latencies, 50), 3),
    p99_ms: round(percentile(latencies, 99), 3),
    queries: latencies.length,
    seconds: round(seconds, 2),
  };
}

/**
 * The protocol every system goes through, in this process, one system at a time:
 *  1. warm-up, unmeasured: at least `warmupQueries` queries and `warmupSeconds`;
 *  2. sequential: every query once, one at a time, timed (`performance.now()` around `search`) and scored
 *     (nDCG@10 of the document ranking, trec_eval's definition); passes are repeated until `minSeconds` have
 *     passed, and QPS and latencies are over all of them;
 *  3. with `concurrency` > 1: a closed loop of that many clients, each sending the next query as soon as its
 *     last is answered, over at least one whole pass and `minSeconds`.
 * A query that throws is an error: it scores 0 and its time is not counted.
 */
export async function measure(system: PeerSystem, queries: readonly BeirQuery[], qrels: ReadonlyMap<string, ReadonlyMap<string, number>>, o: ProtocolOptions): Promise<Measured> {
  const warmStart = performance.now();
  for (let i = 0; i < o.warmupQueries || (performance.now() - warmStart) / 1000 < o.warmupSeconds; i++) {
    await system.search(queries[i % queries.length]!.text, o.k).catch(() => undefined);
  }

  const ndcg: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  const started = performance.now();
  let passes = 0;
  do {
    for (const q of queries) {
      const t0 = performance.now();
      let docIds: string[] | null = null;
      try {
        docIds = await system.search(q.text, o.k);
        latencies.push(performance.now() - t0);
      } catch (err) {
        if (passes === 0) {
          errors++;
          firstError ??= `query ${q.id}: ${err instanceof Error ? err.message : String(err)}`;
        }
      }
      if (passes === 0) ndcg.push(docIds ? ndcgAt(documentRanking(docIds, q.id), qrels.get(q.id) ?? new Map<string, number>(), 10) : 0);
    }
    passes++;
    o.progress?.(`  ${system.label}: sequential pass ${passes} done (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  } while ((performance.now() - started) / 1000 < o.minSeconds);
  const sequential = level(1, latencies, (performance.now() - started) / 1000);

  let concurrent: Level | null = null;
  if (o.concurrency > 1) {
    const times: number[] = [];
    let next = 0;
    const t0 = performance.now();
    const enough = (): boolean => next >= queries.length && (performance.now() - t0) / 1000 >= o.minSeconds;
    const client = async (): Promise<void> => {
      while (!enough()) {
        const q = queries[next++ % queries.length]!;
        const s = performance.now();
        try {
          await system.search(q.text, o.k);
          times.push(performance.now() - s);
        } catch {
          // Counted in the sequential pass already; the same query fails the same way here.
        }
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, client));
    concurrent = level(o.concurrency, times, (performance.now() - t0) / 1000);
    o.progress?.(`  ${system.label}: ${o.concurrency} clients, ${times.length} queries in ${concurrent.seconds} s`);
  }

  return {
    label: system.label,
    kind: system.kind,
    ndcg10: round(mean(ndcg), 4),
    queries: queries.length,
    errors,
    ...(firstError !== undefined ? { firstError } : {}),
    sequential,
    concurrent,
  };
}
