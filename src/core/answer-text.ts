/** Answer text as answer metrics and answer clustering compare it (SQuAD's normalisation). */

/** Lower case, diacritics folded, no punctuation, no articles, single spaces. */
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

export function answerTokens(text: string): string[] {
  const n = normalizeAnswer(text);
  return n.length === 0 ? [] : n.split(' ');
}

/** Token-overlap F1 between two answers (SQuAD). */
export function tokenF1(prediction: string, gold: string): number {
  return tokensF1(answerTokens(prediction), answerTokens(gold));
}

/** Token-overlap F1 between two answers already split by `answerTokens`: for comparing one answer with many. */
export function tokensF1(p: readonly string[], g: readonly string[]): number {
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
