import type { QaReport } from './qa-eval.js';
import type { RetrievalEvalReport } from './retrieval-eval.js';
// Shared with the playground page, which loads the same module in the browser.
import { barChart, histogram, lineChart, waterfall } from '../../public/svg-charts.js';
import { latencyText } from './latency-text.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function page(title: string, summary: Array<[string, string | number]>, sections: string[]): string {
  const rows = summary.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(String(v))}</td></tr>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:14px system-ui,sans-serif;margin:2rem auto;max-width:960px;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}th,td{padding:.25rem .75rem;border-bottom:1px solid #ddd;text-align:left}
section{margin:1.5rem 0}svg{max-width:100%;height:auto}</style></head>
<body><h1>${esc(title)}</h1><p>Generated ${esc(new Date().toISOString())}.</p><table>${rows}</table>
${sections.map((s) => `<section>${s}</section>`).join('\n')}</body></html>`;
}

/** A table with a header row; every cell escaped. */
function table(caption: string, head: string[], rows: Array<Array<string | number>>): string {
  const cells = (tag: string, r: Array<string | number>): string => `<tr>${r.map((c) => `<${tag}>${esc(String(c))}</${tag}>`).join('')}</tr>`;
  return `<h2>${esc(caption)}</h2><table>${cells('th', head)}${rows.map((r) => cells('td', r)).join('')}</table>`;
}

/** A self-contained HTML report of a QA evaluation: scores, per-category charts, calibration and latency. */
export function qaReportHtml(report: QaReport): string {
  const s = report.scores;
  const cal = report.calibration;
  const times = report.per_question.flatMap((q) => (q.time_ms === null ? [] : [q.time_ms]));
  const sections = [
    ...report.warnings.map((w) => `<p><strong>Warning:</strong> ${esc(w)}</p>`),
    barChart('Scores', [
      { label: 'EM', value: s.em },
      { label: 'F1', value: s.f1 },
      { label: 'acc (sub-EM)', value: s.acc },
      { label: 'reference word recall', value: s.word_recall },
    ], { max: 1 }),
    // The terminal's per-member table: each member over the same questions, then the ensemble.
    ...(report.members
      ? [
          table(
            'Ensemble members',
            ['member', 'EM', 'F1', 'acc', 'top-half acc', 'ECE'],
            [
              ...Object.entries(report.members).map(([name, m]) => [name, m.em, m.f1, m.acc, m.top_half_accuracy ?? '-', m.ece ?? '-']),
              [`ensemble ${report.pipeline ?? ''}`, s.em, s.f1, s.acc, cal?.top_half_accuracy ?? '-', cal?.ece ?? '-'],
            ],
          ),
        ]
      : []),
    ...Object.entries(report.categories).map(([field, groups]) =>
      barChart(
        `F1 by ${field}`,
        Object.entries(groups).map(([value, g]) => ({ label: value, value: g.f1, note: `${g.f1.toFixed(3)} (n=${g.count})` })),
        { max: 1 },
      ),
    ),
    ...(cal
      ? [
          barChart(
            'Accuracy by confidence',
            cal.buckets.map((b) => ({ label: `${b.from.toFixed(1)}–${b.to.toFixed(1)}`, value: b.accuracy, note: `${b.accuracy.toFixed(2)} (n=${b.count})` })),
            { max: 1 },
          ),
          lineChart('Risk–coverage: accuracy of the most confident answers', cal.risk_coverage.map((p) => ({ x: p.coverage, y: p.accuracy })), {
            x: 'share of answers kept (most confident first)',
            y: 'accuracy',
          }),
        ]
      : []),
    ...(times.length > 0 ? [histogram('Latency per question', times)] : []),
    // The playground's trace chart, over the mean of every question's stages.
    ...(report.stages.length > 0 ? [waterfall('Mean time per stage (ms from the request start)', report.stages)] : []),
  ];
  const notComputed = (why: string | undefined): string => `not computed (${why ?? 'no data'})`;
  const degraded = report.degraded.answers > 0
    ? `${report.degraded.answers} (${Object.entries(report.degraded.causes).map(([c, n]) => `${c} ${n}`).join(', ')})`
    : 'none';
  return page(
    `QA evaluation: ${report.dataset}`,
    [
      ...(report.answers_file ? [['answers file', report.answers_file] as [string, string]] : []),
      ['pipeline', report.pipeline ?? 'not named by the answers'],
      ['questions', `${report.answered} answered of ${report.questions} (${report.failed} failed; ${report.unanswered} unanswered, scored 0)`],
      ['answers from a stand-in', degraded],
      ['EM / F1 / acc', `${s.em} / ${s.f1} / ${s.acc}`],
      ['most confident half, acc', cal ? cal.top_half_accuracy : notComputed(report.not_computed?.calibration)],
      ['calibration error (ECE, 10 bins)', cal ? cal.ece : notComputed(report.not_computed?.calibration)],
      ['Brier score', cal ? cal.brier : notComputed(report.not_computed?.calibration)],
      ['latency', report.latency_ms ? latencyText(report.latency_ms) : notComputed(report.not_computed?.latency)],
    ],
    sections,
  );
}

/** A self-contained HTML report of a retrieval evaluation: metrics, the nDCG distribution and latency. */
export function retrievalReportHtml(report: RetrievalEvalReport): string {
  const perQuery = report.per_query ?? [];
  const buckets = [0, 0.2, 0.4, 0.6, 0.8].map((from) => ({
    label: `${from.toFixed(1)}–${(from + 0.2).toFixed(1)}`,
    value: perQuery.filter((q) => q.ndcg >= from && (from >= 0.8 ? q.ndcg <= 1 : q.ndcg < from + 0.2)).length,
  }));
  return page(
    `Retrieval evaluation: ${report.dataset}`,
    [
      ['split', report.split],
      ['queries', report.queries],
      ['nDCG@10', report['ndcg@10']],
      ['Recall@100', report['recall@100']],
      ['MRR@10', report['mrr@10']],
      ['latency', latencyText(report.latency_ms)],
      ['documents / chunks', `${report.documents} / ${report.chunks}`],
    ],
    [
      barChart('Metrics', [
        { label: 'nDCG@10', value: report['ndcg@10'] },
        { label: 'Recall@100', value: report['recall@100'] },
        { label: 'MRR@10', value: report['mrr@10'] },
      ], { max: 1 }),
      barChart('Queries by nDCG@10', buckets.map((b) => ({ ...b, note: String(b.value) }))),
      histogram('Latency per query', perQuery.map((q) => q.latency_ms)),
    ],
  );
}
