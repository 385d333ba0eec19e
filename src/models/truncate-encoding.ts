/** A tokenizer's output for one text or text pair: ids with special tokens, mask, segment ids when the model has them. */
export interface Encoding {
  inputIds: number[];
  attentionMask: number[];
  tokenTypeIds?: number[];
}

/**
 * Cuts an encoding to `maxLength` tokens as Hugging Face tokenizers do (strategy "longest_first": tokens come off
 * the end of the longer text, the passage before the query when they are even), keeping the special tokens.
 * transformers.js's own truncation cuts the tail of the whole sequence, final [SEP] or </s> included, which a
 * model never saw in training.
 *
 * `first` and `second` are the texts' ids without special tokens; the special tokens are found around them in
 * `full` (any template of the form prefix, first, middle, second, suffix: BERT's [CLS] A [SEP] B [SEP],
 * XLM-R's <s> A </s></s> B </s>). A tokenizer whose template cannot be matched keeps the library's tail cut.
 */
export function truncateEncoding(full: Encoding, maxLength: number, first: number[], second: number[] | null): Encoding {
  const total = full.inputIds.length;
  if (total <= maxLength) return full;
  const layout = findLayout(full.inputIds, first, second ?? []);
  if (layout === null) return pick(full, [[0, maxLength]]);

  const specials = total - first.length - (second?.length ?? 0);
  const budget = Math.max(0, maxLength - specials);
  let a = first.length;
  let b = second?.length ?? 0;
  let excess = a + b - budget;
  // Longest first: shorten the longer text down to the other, then both by turns (the second text first).
  const even = Math.min(excess, Math.abs(a - b));
  if (a > b) a -= even;
  else b -= even;
  excess -= even;
  if (excess > 0) {
    b -= Math.ceil(excess / 2);
    a -= Math.floor(excess / 2);
  }
  const { prefix, middle } = layout;
  const secondStart = prefix + first.length + middle;
  return pick(full, [
    [0, prefix + a],
    [prefix + first.length, secondStart + b],
    [secondStart + (second?.length ?? 0), total],
  ]);
}

/** Where the texts sit in the full sequence: special tokens before the first text and between the two. */
function findLayout(ids: number[], first: number[], second: number[]): { prefix: number; middle: number } | null {
  const specials = ids.length - first.length - second.length;
  if (specials < 0) return null;
  for (let prefix = 0; prefix <= specials; prefix++) {
    if (!matchesAt(ids, prefix, first)) continue;
    for (let middle = 0; middle <= specials - prefix; middle++) {
      if (matchesAt(ids, prefix + first.length + middle, second)) return { prefix, middle };
    }
  }
  return null;
}

function matchesAt(ids: number[], at: number, part: number[]): boolean {
  for (let i = 0; i < part.length; i++) if (ids[at + i] !== part[i]) return false;
  return true;
}

/** The encoding restricted to the given [start, end) ranges, every field alike. */
function pick(e: Encoding, ranges: Array<[number, number]>): Encoding {
  const take = (xs: number[]): number[] => ranges.flatMap(([s, t]) => xs.slice(s, t));
  const out: Encoding = { inputIds: take(e.inputIds), attentionMask: take(e.attentionMask) };
  if (e.tokenTypeIds) out.tokenTypeIds = take(e.tokenTypeIds);
  return out;
}
