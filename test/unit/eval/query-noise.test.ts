import { describe, expect, it } from 'vitest';
import { boundedEditDistance } from '../../../src/query/edit-distance.js';
import { QueryNoise, typo } from '../../../src/eval/query-noise.js';
import { mulberry32 } from '../../../src/eval/seeded-random.js';
import { areKeyboardNeighbours } from '../../../src/query/typo-model.js';

const QUERIES = Array.from({ length: 400 }, (_, i) => `query number ${i} about protein folding kinetics and membrane transport in yeast cells`);

describe('QueryNoise', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = QUERIES.map((q) => new QueryNoise({ rate: 0.3, seed: 7 }).apply(q).text);
    const b = QUERIES.map((q) => new QueryNoise({ rate: 0.3, seed: 7 }).apply(q).text);
    const c = QUERIES.map((q) => new QueryNoise({ rate: 0.3, seed: 8 }).apply(q).text);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('changes the given share of eligible words (4+ letters), one edit each', () => {
    for (const rate of [0.1, 0.2, 0.5]) {
      const noise = new QueryNoise({ rate, seed: 1 });
      let changed = 0;
      let eligible = 0;
      for (const q of QUERIES) {
        const r = noise.apply(q);
        eligible += (q.match(/[A-Za-z]{4,}/g) ?? []).length;
        changed += r.typos.length;
        for (const t of r.typos) {
          expect(t.from.length).toBeGreaterThanOrEqual(4);
          expect(boundedEditDistance(t.from.toLowerCase(), t.to.toLowerCase(), 2)).toBe(1);
        }
        expect(r.text.split(' ')).toHaveLength(q.split(' ').length);
      }
      expect(Math.abs(changed / eligible - rate)).toBeLessThan(0.02);
    }
  });

  it('rate 0 changes nothing, rate 1 changes every eligible word; short words and numbers are never touched', () => {
    expect(new QueryNoise({ rate: 0, seed: 1 }).apply('protein folding kinetics').text).toBe('protein folding kinetics');
    const all = new QueryNoise({ rate: 1, seed: 1 }).apply('the cat of 1990 sat protein folding');
    expect(all.typos.map((t) => t.from)).toEqual(['protein', 'folding']);
    expect(all.text.startsWith('the cat of 1990 sat ')).toBe(true);
    expect(() => new QueryNoise({ rate: 1.5, seed: 1 })).toThrow(RangeError);
  });

  it('makes each kind of typo as named', () => {
    const rnd = mulberry32(3);
    for (let i = 0; i < 50; i++) {
      const sub = typo('keyboard', 'substitution', rnd);
      const j = [...sub].findIndex((ch, k) => ch !== 'keyboard'[k]);
      expect(areKeyboardNeighbours(sub[j] as string, 'keyboard'[j] as string)).toBe(true);
      expect(typo('keyboard', 'deletion', rnd)).toHaveLength(7);
      expect(typo('keyboard', 'insertion', rnd)).toHaveLength(9);
      const swapped = typo('keyboard', 'transposition', rnd);
      expect([...swapped].sort().join()).toBe([...'keyboard'].sort().join());
      expect(swapped).not.toBe('keyboard');
    }
  });
});
