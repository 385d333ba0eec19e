/** Small self-contained SVG charts (no script, no external file) for reports and the playground. */

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface Bar {
  label: string;
  value: number;
  /** Shown after the bar instead of the value, e.g. "0.41 (n=57)". */
  note?: string;
}

/** Horizontal bars, one per label, scaled to `max` (default: the largest value). */
export function barChart(title: string, bars: readonly Bar[], options: { max?: number; width?: number } = {}): string {
  const width = options.width ?? 640;
  const labelWidth = 220;
  const row = 22;
  const max = options.max ?? Math.max(1e-9, ...bars.map((b) => b.value));
  const plot = width - labelWidth - 90;
  const height = 30 + bars.length * row;
  const rows = bars
    .map((b, i) => {
      const y = 24 + i * row;
      const w = Math.max(0, (b.value / max) * plot);
      return (
        `<text x="${labelWidth - 6}" y="${y + 14}" text-anchor="end">${esc(b.label)}</text>` +
        `<rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 7}" rx="2" fill="#3b6ea5"><title>${esc(b.label)}: ${b.value}</title></rect>` +
        `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 14}">${esc(b.note ?? String(Number(b.value.toFixed(3))))}</text>`
      );
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12"><text x="0" y="14" font-weight="600">${esc(title)}</text>${rows}</svg>`;
}

/** A line over x in [0, 1] and y in [0, 1], e.g. a risk-coverage curve. */
export function lineChart(title: string, points: ReadonlyArray<{ x: number; y: number }>, labels: { x: string; y: string }): string {
  const width = 420;
  const height = 260;
  const left = 40;
  const top = 24;
  const plotW = width - left - 16;
  const plotH = height - top - 40;
  const px = (x: number): number => left + x * plotW;
  const py = (y: number): number => top + (1 - y) * plotH;
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

/** A histogram of values (e.g. latencies in ms) in `bins` equal-width bins. */
export function histogram(title: string, values: readonly number[], bins = 12, unit = 'ms'): string {
  if (values.length === 0) return barChart(title, []);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const step = (max - min) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - min) / step))]! += 1;
  return barChart(
    title,
    counts.map((c, i) => ({ label: `${(min + i * step).toFixed(1)}–${(min + (i + 1) * step).toFixed(1)} ${unit}`, value: c, note: String(c) })),
  );
}
