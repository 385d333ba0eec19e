/** Answer metrics with SQuAD's normalisation (lower case, no punctuation, no articles, single spaces). */

export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const tokens = (text: string): string[] => {
  const n = normalizeAnswer(text);
  return n.length === 0 ? [] : n.split(' ');
};

export function exactMatch(prediction: string, gold: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(gold) ? 1 : 0;
}

/** Token-overlap F1 (SQuAD). */
export function f1Score(prediction: string, gold: string): number {
  const p = tokens(prediction);
  const g = tokens(gold);
  if (p.length === 0 || g.length === 0) return p.length === g.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of g) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      common++;
      counts.set(t, c - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / p.length;
  const recall = common / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/** "acc" (sub-EM): the normalised gold answer occurs within the normalised prediction. */
export function subExactMatch(prediction: string, gold: string): number {
  const g = normalizeAnswer(gold);
  return g.length > 0 && ` ${normalizeAnswer(prediction)} `.includes(` ${g} `) ? 1 : 0;
}

/** Share of the reference answer's distinct words that the prediction contains: for long-form answers. */
export function wordRecall(prediction: string, reference: string): number {
  const ref = new Set(tokens(reference));
  if (ref.size === 0) return 0;
  const pred = new Set(tokens(prediction));
  let found = 0;
  for (const t of ref) if (pred.has(t)) found++;
  return found / ref.size;
}

/** The best score over several gold answers, as SQuAD and the QA literature do. */
export function bestOver(golds: readonly string[], score: (gold: string) => number): number {
  return golds.reduce((best, g) => Math.max(best, score(g)), 0);
}
