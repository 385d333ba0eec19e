import { keyboardNeighbours } from '../query/typo-model.js';
import { mulberry32 } from './seeded-random.js';

export type TypoKind = 'substitution' | 'deletion' | 'insertion' | 'transposition';

export interface QueryNoiseOptions {
  /** Share of the eligible words that get one typo, 0..1. */
  rate: number;
  seed: number;
}

export interface NoisyQuery {
  text: string;
  /** The words changed, in order. */
  typos: Array<{ from: string; to: string; kind: TypoKind }>;
}

/** Words that can get a typo: letters only, at least four (as nlpaug's keyboard augmenter, min_char=4). */
const ELIGIBLE = /^[A-Za-z]{4,}$/;
const KINDS: readonly TypoKind[] = ['substitution', 'deletion', 'insertion', 'transposition'];

/**
 * A seeded generator of realistic typing noise, for measuring how retrieval holds up on misspelt queries. In each
 * query, a share `rate` of the eligible words (rounded by a seeded coin so the expected share is exact) each get one
 * typo: a QWERTY-neighbour substitution, a deleted letter, an inserted neighbour of the next letter, or two adjacent
 * letters swapped. The same seed and queries give the same noise; each query draws from its own stream, so
 * adding or removing a query does not change the others' noise.
 */
export class QueryNoise {
  constructor(private readonly options: QueryNoiseOptions) {
    if (!(options.rate >= 0 && options.rate <= 1)) throw new RangeError('noise rate must be within 0..1');
  }

  apply(text: string, key = text): NoisyQuery {
    const rnd = mulberry32(this.options.seed ^ hashString(key));
    const tokens = [...text.matchAll(/[A-Za-z]+/g)];
    const eligible = tokens.filter((m) => ELIGIBLE.test(m[0]));
    const exact = this.options.rate * eligible.length;
    const count = Math.floor(exact) + (rnd() < exact - Math.floor(exact) ? 1 : 0);
    // A seeded partial shuffle picks which words.
    const order = eligible.map((_, i) => i);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(rnd() * (order.length - i));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const chosen = new Set(order.slice(0, count).map((i) => eligible[i]?.index));
    const typos: NoisyQuery['typos'] = [];
    let out = '';
    let last = 0;
    for (const m of tokens) {
      if (!chosen.has(m.index)) continue;
      const kind = KINDS[Math.floor(rnd() * KINDS.length)] as TypoKind;
      const to = typo(m[0], kind, rnd);
      typos.push({ from: m[0], to, kind });
      out += text.slice(last, m.index) + to;
      last = m.index + m[0].length;
    }
    return { text: out + text.slice(last), typos };
  }
}

/** One typo of the given kind; the result always differs from the word. */
export function typo(word: string, kind: TypoKind, rnd: () => number): string {
  const pick = (n: number): number => Math.floor(rnd() * n);
  const upper = (ch: string, like: string): string => (like === like.toUpperCase() ? ch.toUpperCase() : ch);
  switch (kind) {
    case 'substitution': {
      const i = pick(word.length);
      const ch = word[i] as string;
      const options = keyboardNeighbours(ch.toLowerCase());
      const sub = options[pick(options.length)] ?? (ch.toLowerCase() === 'e' ? 'a' : 'e');
      return word.slice(0, i) + upper(sub, ch) + word.slice(i + 1);
    }
    case 'deletion': {
      const i = pick(word.length);
      return word.slice(0, i) + word.slice(i + 1);
    }
    case 'insertion': {
      // A finger landing on a key next to the letter it was going for.
      const i = pick(word.length + 1);
      const near = (word[Math.min(i, word.length - 1)] as string).toLowerCase();
      const options = keyboardNeighbours(near);
      const ins = options[pick(options.length)] ?? near;
      return word.slice(0, i) + ins + word.slice(i);
    }
    case 'transposition': {
      const swappable: number[] = [];
      for (let i = 0; i + 1 < word.length; i++) if (word[i] !== word[i + 1]) swappable.push(i);
      const i = swappable[pick(swappable.length)];
      if (i === undefined) return typo(word, 'deletion', rnd);
      return word.slice(0, i) + (word[i + 1] as string) + (word[i] as string) + word.slice(i + 2);
    }
  }
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
