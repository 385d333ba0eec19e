import { analyze } from '../core/analyzer.js';

export interface TopicSegmentOptions {
  /** Paragraphs on each side of a gap whose vocabularies are compared. */
  window: number;
  /** Fewest words a segment may have: no section of one short line. */
  minWords: number;
}

const DEFAULTS: TopicSegmentOptions = { window: 2, minWords: 120 };

/**
 * TextTiling-style topic boundaries between paragraphs (Hearst 1997, over paragraphs instead of token blocks):
 * the lexical cohesion of each gap is the cosine between the stemmed words of the paragraphs just before and just
 * after it; a gap deep in a valley of cohesion (depth above mean - sd/2, Hearst's liberal cut-off) starts a new
 * segment, unless the segment it would close is too short. Returns the indexes of the paragraphs that start one.
 */
export function topicBoundaries(paragraphs: readonly string[], options: Partial<TopicSegmentOptions> = {}): number[] {
  const { window, minWords } = { ...DEFAULTS, ...options };
  if (paragraphs.length < 3) return [];
  const bags = paragraphs.map((p) => termCounts(analyze(p)));
  const lengths = paragraphs.map((p) => p.split(/\s+/).filter(Boolean).length);
  const cohesion: number[] = [];
  for (let gap = 1; gap < paragraphs.length; gap++) {
    cohesion.push(cosine(merge(bags.slice(Math.max(0, gap - window), gap)), merge(bags.slice(gap, gap + window))));
  }
  // The peak each gap climbs to on either side (while the cohesion does not fall). The climb from gap i goes on
  // exactly as the climb from i - 1 (i + 1) when that neighbour is at least as high, so one pass per side finds
  // them all: walking from every gap was quadratic on a plateau (66,000 one-word paragraphs: 10 s).
  const n = cohesion.length;
  const leftPeak = new Array<number>(n);
  const rightPeak = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const c = cohesion[i] ?? 0;
    leftPeak[i] = i > 0 && (cohesion[i - 1] ?? 0) >= c ? (leftPeak[i - 1] ?? c) : c;
  }
  for (let i = n - 1; i >= 0; i--) {
    const c = cohesion[i] ?? 0;
    rightPeak[i] = i < n - 1 && (cohesion[i + 1] ?? 0) >= c ? (rightPeak[i + 1] ?? c) : c;
  }
  const depth = cohesion.map((c, i) => (leftPeak[i] ?? c) - c + ((rightPeak[i] ?? c) - c));
  const mean = depth.reduce((a, b) => a + b, 0) / depth.length;
  const sd = Math.sqrt(depth.reduce((a, b) => a + (b - mean) ** 2, 0) / depth.length);
  const cutoff = Math.max(mean - sd / 2, 1e-9);
  // Deepest valleys first, so a shallow gap next to a deep one does not take its place.
  const candidates = depth
    .map((d, i) => ({ d, at: i + 1 }))
    .filter((g) => g.d >= cutoff)
    .sort((a, b) => b.d - a.d);
  const chosen: number[] = [];
  const prefix = [0];
  for (const n of lengths) prefix.push((prefix[prefix.length - 1] ?? 0) + n);
  const wordsBetween = (a: number, b: number): number => (prefix[b] ?? 0) - (prefix[a] ?? 0);
  for (const { at } of candidates) {
    const before = Math.max(0, ...chosen.filter((c) => c < at));
    const after = Math.min(paragraphs.length, ...chosen.filter((c) => c > at));
    if (wordsBetween(before, at) >= minWords && wordsBetween(at, after) >= minWords) chosen.push(at);
  }
  return chosen.sort((a, b) => a - b);
}

/** Function words Lucene's short stop list keeps, useless in a label. */
const LABEL_STOP = new Set(
  'about above after again against all also although among any because been before being between both can could did does during each few from further had has have having her here hers him his how its itself last made many may more most much must next now only other our over same she should since some than them those through under until upon very was were what when where which while who whom why would you your'.split(' '),
);

/**
 * Short labels for segments without headings: each one's most characteristic words (frequent in it, rare in the
 * other segments), in their surface form, so title matching and the heading path have something to show.
 */
export function segmentLabels(segments: readonly (readonly string[])[], size = 4): string[] {
  const analysed = segments.map((seg) => seg.map((p) => ({ p, terms: analyze(p) })));
  const sets = analysed.map((seg) => new Set(seg.flatMap((x) => x.terms)));
  const df = new Map<string, number>();
  for (const set of sets) for (const t of set) df.set(t, (df.get(t) ?? 0) + 1);
  return analysed.map((seg) => {
    const counts = new Map<string, number>();
    const surface = new Map<string, string>();
    for (const { p } of seg) {
      for (const w of p.match(/\p{L}[\p{L}\p{M}\p{N}'-]{2,}/gu) ?? []) {
        if (LABEL_STOP.has(w.toLowerCase())) continue;
        const [term] = analyze(w);
        if (term === undefined || term.length < 3) continue;
        counts.set(term, (counts.get(term) ?? 0) + 1);
        if (!surface.has(term) || /^\p{Lu}/u.test(w)) surface.set(term, w);
      }
    }
    return [...counts.entries()]
      .map(([t, n]) => ({ t, s: n * Math.log((segments.length + 1) / (df.get(t) ?? 1)) }))
      .filter((x) => x.s > 0)
      .sort((a, b) => b.s - a.s || a.t.localeCompare(b.t))
      .slice(0, size)
      .map((x) => surface.get(x.t) ?? x.t)
      .join(', ');
  });
}

function termCounts(terms: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of terms) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

function merge(bags: readonly Map<string, number>[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const b of bags) for (const [t, n] of b) out.set(t, (out.get(t) ?? 0) + n);
  return out;
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [t, n] of a) {
    na += n * n;
    dot += n * (b.get(t) ?? 0);
  }
  for (const n of b.values()) nb += n * n;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
