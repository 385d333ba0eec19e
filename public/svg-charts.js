// Small self-contained SVG charts (no script, no external file), shared by the eval HTML reports (server side)
// and the playground page (in the browser): one implementation, so both draw the same charts.
// Plain ES module with JSDoc types (svg-charts.d.ts), served as is to the browser: no build step.

/** @param {string} s */
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Horizontal bars, one per label, scaled to `max` (default: the largest value).
 * @param {string} title
 * @param {ReadonlyArray<{label: string, value: number, note?: string, highlight?: boolean}>} bars
 * @param {{max?: number, width?: number}} [options]
 */
export function barChart(title, bars, options = {}) {
  const width = options.width ?? 640;
  const labelWidth = 220;
  const row = 22;
  const max = options.max ?? Math.max(1e-9, ...bars.map((b) => b.value));
  const plot = width - labelWidth - 130;
  const height = 30 + bars.length * row;
  const rows = bars
    .map((b, i) => {
      const y = 24 + i * row;
      const w = Math.max(0, (b.value / max) * plot);
      return (
        `<text x="${labelWidth - 6}" y="${y + 14}" text-anchor="end">${esc(b.label)}</text>` +
        `<rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 7}" rx="2" fill="${b.highlight ? '#c2410c' : '#3b6ea5'}"><title>${esc(b.label)}: ${b.value}</title></rect>` +
        `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 14}">${esc(b.note ?? String(Number(b.value.toFixed(3))))}</text>`
      );
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12"><text x="0" y="14" font-weight="600">${esc(title)}</text>${rows}</svg>`;
}

/**
 * A line over x in [0, 1] and y in [0, 1], e.g. a risk-coverage curve.
 * @param {string} title
 * @param {ReadonlyArray<{x: number, y: number}>} points
 * @param {{x: string, y: string}} labels
 */
export function lineChart(title, points, labels) {
  const width = 420;
  const height = 260;
  const left = 40;
  const top = 24;
  const plotW = width - left - 16;
  const plotH = height - top - 40;
  /** @param {number} x */
  const px = (x) => left + x * plotW;
  /** @param {number} y */
  const py = (y) => top + (1 - y) * plotH;
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => `<text x="${left - 4}" y="${py(t) + 4}" text-anchor="end">${t}</text><line x1="${left}" x2="${left + plotW}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/>`)
    .join('');
  const dots = points.map((p) => `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="#3b6ea5"><title>${p.x}: ${p.y.toFixed(3)}</title></circle>`).join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="11">` +
    `<text x="0" y="14" font-weight="600" font-size="12">${esc(title)}</text>${ticks}` +
    `<path d="${path}" fill="none" stroke="#3b6ea5" stroke-width="2"/>${dots}` +
    `<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle">${esc(labels.x)}</text>` +
    `<text x="10" y="${top + plotH / 2}" transform="rotate(-90 10 ${top + plotH / 2})" text-anchor="middle">${esc(labels.y)}</text></svg>`
  );
}

/**
 * A histogram of values (e.g. latencies in ms) in `bins` equal-width bins.
 * @param {string} title
 * @param {readonly number[]} values
 * @param {number} [bins]
 * @param {string} [unit]
 */
export function histogram(title, values, bins = 12, unit = 'ms') {
  if (values.length === 0) return barChart(title, []);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const step = (max - min) / bins || 1;
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - min) / step))] += 1;
  return barChart(
    title,
    counts.map((c, i) => ({ label: `${(min + i * step).toFixed(1)}–${(min + (i + 1) * step).toFixed(1)} ${unit}`, value: c, note: String(c) })),
  );
}

/**
 * A trace as a waterfall: each stage a bar from its start to its end, in ms from the request's start.
 * @param {string} title
 * @param {ReadonlyArray<{name: string, at: number, ms: number}>} spans
 */
export function waterfall(title, spans) {
  const width = 640;
  const labelWidth = 180;
  const row = 20;
  const end = Math.max(1e-6, ...spans.map((s) => s.at + s.ms));
  const plot = width - labelWidth - 70;
  const sorted = [...spans].sort((a, b) => a.at - b.at);
  const height = 30 + sorted.length * row;
  const rows = sorted
    .map((s, i) => {
      const y = 24 + i * row;
      const x = labelWidth + (s.at / end) * plot;
      const w = Math.max(1, (s.ms / end) * plot);
      return (
        `<text x="${labelWidth - 6}" y="${y + 13}" text-anchor="end">${esc(s.name)}</text>` +
        `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 7}" rx="2" fill="#0f766e"><title>${esc(s.name)}: starts ${s.at.toFixed(2)} ms, takes ${s.ms.toFixed(2)} ms</title></rect>` +
        `<text x="${(x + w + 4).toFixed(1)}" y="${y + 13}">${s.ms.toFixed(2)} ms</text>`
      );
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12"><text x="0" y="14" font-weight="600">${esc(title)}</text>${rows}</svg>`;
}
