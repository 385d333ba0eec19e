import { describe, expect, it } from 'vitest';
import { measure, type Level, type Measured } from '../../../bench/peers/measure.js';
import type { PeerSystem } from '../../../bench/peers/peer-system.js';
import { goals, qpsRatio, referenceFor } from '../../../bench/peers/peers-report.js';

const queries = [
  { id: 'q1', text: 'alpha' },
  { id: 'q2', text: 'beta' },
  { id: 'q3', text: 'gamma (+)' },
];
const qrels = new Map([
  ['q1', new Map([['d1', 1]])],
  ['q2', new Map([['d2', 1]])],
  ['q3', new Map([['d3', 1]])],
]);

/** Answers q1 perfectly (its chunk twice, and the query's own id first), q2 at rank 2, and throws on q3. */
function fakeSystem(calls: string[]): PeerSystem {
  return {
    label: '(c) fake',
    kind: 'bm25',
    what: 'a scripted system',
    search: async (query, k) => {
      calls.push(query);
      expect(k).toBe(30);
      if (query === 'alpha') return ['q1', 'd1', 'd1', 'd9'];
      if (query === 'beta') return ['d9', 'd2'];
      throw new Error('Invalid regular expression: /(+)/g: Nothing to repeat');
    },
  };
}

describe('the peers protocol', () => {
  it('scores the document ranking of the first pass with nDCG@10 and counts a throwing query as an error scoring 0', async () => {
    const calls: string[] = [];
    const m = await measure(fakeSystem(calls), queries, qrels, { k: 30, warmupQueries: 2, warmupSeconds: 0, minSeconds: 0.05, concurrency: 1 });
    // q1: d1 at rank 1 once the query's own id and the repeat are dropped -> 1; q2: d2 at rank 2 -> 1/log2(3); q3: 0.
    expect(m.ndcg10).toBeCloseTo((1 + 1 / Math.log2(3) + 0) / 3, 4);
    expect(m.errors).toBe(1);
    expect(m.firstError).toMatch(/^query q3: Invalid regular expression/);
    expect(m.queries).toBe(3);
    // Warm-up (2) then whole passes of 3 until the time is up: the timed queries are the successful ones only.
    expect((calls.length - 2) % 3).toBe(0);
    expect(m.sequential.queries).toBe(((calls.length - 2) / 3) * 2);
    expect(m.sequential.qps).toBeGreaterThan(0);
    expect(m.concurrent).toBeNull();
  });

  it('runs the closed loop with that many clients in flight, over at least one whole pass', async () => {
    let inFlight = 0;
    let most = 0;
    const system: PeerSystem = {
      label: '(b) slow',
      kind: 'bm25',
      what: 'a system that takes 5 ms per query',
      search: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((res) => setTimeout(res, 5));
        inFlight--;
        return ['d1'];
      },
    };
    const m = await measure(system, queries, qrels, { k: 30, warmupQueries: 0, warmupSeconds: 0, minSeconds: 0.01, concurrency: 4 });
    expect(most).toBe(4);
    expect(m.concurrent?.concurrency).toBe(4);
    expect(m.concurrent!.queries).toBeGreaterThanOrEqual(queries.length);
    // Four clients of 5 ms queries: well above one client's 200 QPS, whatever the timer's slack.
    expect(m.concurrent!.qps).toBeGreaterThan(m.sequential.qps * 1.5);
  });
});

const lvl = (qps: number, concurrency = 1): Level => ({ concurrency, qps, p50_ms: 1, p99_ms: 1, queries: 100, seconds: 1 });
const row = (label: string, kind: Measured['kind'], ndcg10: number, seq: number, conc: number): Measured => ({
  label,
  kind,
  ndcg10,
  queries: 300,
  errors: 0,
  sequential: lvl(seq),
  concurrent: lvl(conc, 8),
});

describe('the peers goals', () => {
  const rows = [
    row('(a) this project, BM25', 'bm25', 0.68, 1000, 1200),
    row('(a) this project, BM25 retriever alone', 'bm25', 0.68, 3000, 3000),
    row('(a) this project, hybrid', 'hybrid', 0.6, 100, 100),
    row('(b) OpenSearch, BM25', 'bm25', 0.68, 900, 1500),
    row('(c) LangChain BM25Retriever', 'bm25', 0.7, 99, 100),
    row('(c) LangChain EnsembleRetriever', 'hybrid', 0.5, 2, 2),
  ];

  it("compares each row with this project's Rag.retrieve row of the same kind", () => {
    expect(referenceFor(rows, 'bm25')?.label).toBe('(a) this project, BM25');
    expect(referenceFor(rows, 'hybrid')?.label).toBe('(a) this project, hybrid');
    expect(qpsRatio(lvl(1000), lvl(99))).toBeCloseTo(10.101, 3);
    expect(qpsRatio(lvl(1000), null)).toBeNaN();
  });

  it('says met only when every level meets the goal', () => {
    const byText = new Map(goals(rows).map((g) => [g.text.split(':')[0], g.met]));
    // 1000/900 at one client but 1200/1500 at eight: slower than OpenSearch under concurrency.
    expect(byText.get('(a) this project, BM25 not slower than (b) OpenSearch, BM25')).toBe(false);
    // 10.1x and 12x: met; but LangChain's nDCG is higher here.
    expect(byText.get('(a) this project, BM25 >= 10x the QPS of (c) LangChain BM25Retriever')).toBe(true);
    expect(byText.get('(a) this project, BM25 nDCG@10 no lower than (c) LangChain BM25Retriever')).toBe(false);
    expect(byText.get('(a) this project, hybrid >= 10x the QPS of (c) LangChain EnsembleRetriever')).toBe(true);
    expect(byText.get('(a) this project, hybrid nDCG@10 no lower than (c) LangChain EnsembleRetriever')).toBe(true);
    expect(byText.size).toBe(5);
  });
});
