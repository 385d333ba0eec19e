import { analyze } from '../core/analyzer.js';

/** Small words a name's initials may pass over or keep ("Department of Defense": DoD or DD). */
const CONNECTORS = new Set(['of', 'and', 'the', 'for', 'on', 'in', 'de', '&']);

/**
 * The index terms of the acronyms the question's names make: the initials of a whole run of capitalised words, an
 * all-capitals word kept whole or by its initial ("DC Extended Universe" gives DCEU and DEU, "Major League Baseball"
 * MLB). A passage that answers with "DCEU" only repeats the question, as a span of its own words would. Only whole
 * runs: "EU" is not the question's for "DC Extended Universe". The question's first word is capitalised as any
 * sentence's is, so a run it opens is also read without it ("Which Major League Baseball team": MLB).
 */
export function questionAcronyms(query: string): ReadonlySet<string> {
  const words = query.split(/[\s,;:!?()"“”]+/u).map((w) => w.replace(/^['‘’]+|['‘’.]+$/gu, '')).filter(Boolean);
  const out = new Set<string>();
  const add = (run: readonly string[]): void => {
    // A connector at either end is not part of the name ("the", "of" around it).
    while (run.length > 0 && !isName(run[run.length - 1] as string)) run = run.slice(0, -1);
    while (run.length > 0 && !isName(run[0] as string)) run = run.slice(1);
    if (run.filter(isName).length < 2) return;
    let forms = [''];
    for (const word of run) {
      const initial = word[0] as string;
      if (!isName(word)) forms = forms.flatMap((f) => [f, f + initial]);
      else forms = /^\p{Lu}{2,}$/u.test(word) ? forms.flatMap((f) => [f + word, f + initial]) : forms.map((f) => f + initial);
    }
    for (const f of forms) if (f.length >= 2) for (const t of analyze(f)) out.add(t);
  };
  for (let i = 0; i < words.length; ) {
    if (!isName(words[i] as string)) {
      i++;
      continue;
    }
    let j = i;
    while (j < words.length && (isName(words[j] as string) || CONNECTORS.has((words[j] as string).toLowerCase()))) j++;
    const run = words.slice(i, j);
    add(run);
    if (i === 0) add(run.slice(1));
    i = j;
  }
  return out;
}

const isName = (word: string): boolean => /^[\p{Lu}\p{N}]/u.test(word);
