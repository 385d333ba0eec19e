import { describe, expect, it } from 'vitest';
import { qaReportHtml, retrievalReportHtml } from '../../../src/eval/html-report.js';
import type { QaReport } from '../../../src/eval/qa-eval.js';

const qa: QaReport = {
  dataset: 'tiny',
  pipeline: 'default',
  questions: 3,
  answered: 3,
  failed: 0,
  unanswered: 0,
  degraded: { answers: 0, causes: {} },
  warnings: [],
  scores: { count: 3, em: 0.33, f1: 0.5, acc: 0.66, word_recall: 0.4 },
  categories: { split: { easy: { count: 2, em: 0.5, f1: 0.7, acc: 1, word_recall: 0.5 }, 'hard <x>': { count: 1, em: 0, f1: 0.1, acc: 0, word_recall: 0.2 } } },
  calibration: {
    correctness: 'acc',
    answers: 3,
    buckets: [{ from: 0.8, to: 1, count: 3, accuracy: 0.66, meanConfidence: 0.9 }],
    risk_coverage: [
      { coverage: 0.5, accuracy: 1 },
      { coverage: 1, accuracy: 0.66 },
    ],
    top_half_accuracy: 1,
    ece: 0.24,
    brier: 0.21,
  },
  latency_ms: { p50: 3, p95: 9 },
  failures: [],
  stages: [
    { name: 'query.plan', at: 0.1, ms: 0.2 },
    { name: 'retrieve.bm25', at: 0.4, ms: 1.1 },
  ],
  per_question: [
    { id: 'a', answer: 'Paris', gold: ['Paris'], f1: 1, acc: 1, confidence: 0.9, time_ms: 2 },
    { id: 'b', answer: 'the Seine river', gold: ['Seine'], f1: 0.5, acc: 1, confidence: 0.8, time_ms: 3 },
    { id: 'c', answer: 'Lyon', gold: ['Marseille'], f1: 0, acc: 0, confidence: 0.95, time_ms: 9 },
  ],
};

describe('HTML reports', () => {
  it('draws the scores, one chart per category field, calibration and latency, self-contained', () => {
    const html = qaReportHtml(qa);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg /g)?.length).toBe(6);
    expect(html).toContain('Mean time per stage');
    expect(html).toContain('F1 by split');
    expect(html).toContain('calibration error (ECE, 10 bins)');
    // Labels are escaped, never markup.
    expect(html).toContain('hard &lt;x&gt;');
    expect(html).not.toMatch(/<script|src="http|href="http/);
  });

  it("has the terminal's per-member table for an ensemble, and its warnings", () => {
    const html = qaReportHtml({
      ...qa,
      pipeline: 'all',
      members: { bm25: { count: 3, em: 0.2, f1: 0.3, acc: 0.4, word_recall: 0.3, top_half_accuracy: 0.5, ece: 0.11 } },
      degraded: { answers: 2, causes: { 'generate: llm timeout': 2 } },
      warnings: ["2 of 3 answers came from a stand-in (generate: llm timeout 2): these scores are not all's alone"],
    });
    expect(html).toContain('<h2>Ensemble members</h2>');
    expect(html).toContain('<tr><td>bm25</td><td>0.2</td><td>0.3</td><td>0.4</td><td>0.5</td><td>0.11</td></tr>');
    expect(html).toContain('<tr><td>ensemble all</td><td>0.33</td><td>0.5</td><td>0.66</td><td>1</td><td>0.24</td></tr>');
    expect(html).toContain('2 (generate: llm timeout 2)');
    expect(html).toContain('<strong>Warning:</strong> 2 of 3 answers came from a stand-in');
  });

  it('says calibration and latency were not computed for answers that carry no confidence or time', () => {
    const html = qaReportHtml({
      ...qa,
      pipeline: null,
      answers_file: 'sub.jsonl',
      calibration: null,
      latency_ms: null,
      not_computed: { calibration: 'the answers carry no confidence', latency: 'the answers carry no time' },
      stages: [],
      per_question: qa.per_question.map((q) => ({ ...q, confidence: null, time_ms: null })),
    });
    expect(html).toContain('<tr><th>answers file</th><td>sub.jsonl</td></tr>');
    expect(html).toContain('<tr><th>Brier score</th><td>not computed (the answers carry no confidence)</td></tr>');
    expect(html).toContain('not computed (the answers carry no time)');
    expect(html).not.toContain('NaN');
    expect(html).not.toContain('Risk–coverage');
  });

  it('reports a retrieval run with its nDCG distribution', () => {
    const html = retrievalReportHtml({
      dataset: 'tiny',
      split: 'test',
      backend: 'embedded',
      retriever: 'bm25',
      'ndcg@10': 0.7,
      'recall@100': 0.9,
      'mrr@10': 0.65,
      queries: 2,
      latency_ms: { p50: 1, p95: 2 },
      documents: 10,
      chunks: 12,
      ingest_docs_per_s: 1000,
      query: { noise: null, denoise: true, decompose: true, fusion: 'rrf', corrected_queries: 0, corrections: 0, decomposed_queries: 0 },
      per_query: [
        { id: 'q1', ndcg: 1, latency_ms: 1 },
        { id: 'q2', ndcg: 0.4, latency_ms: 2 },
      ],
    });
    expect(html).toContain('Queries by nDCG@10');
    expect(html).toMatch(/0\.8–1\.0<\/text><rect[^>]*width="[1-9]/);
  });
});
