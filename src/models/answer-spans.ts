import type { SpanKind } from './question-type.js';

/** A short answer candidate inside a sentence, with its character offsets. */
export interface Span {
  text: string;
  kind: SpanKind;
  start: number;
  end: number;
}

const MONTHS = 'January|February|March|April|May|June|July|August|September|October|November|December|Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|Nov\\.?|Dec\\.?';
const YEAR = '(?:1[0-9]{3}|20[0-9]{2})';
const DATE = new RegExp(
  [
    `(?:from\\s+)?${YEAR}\\s*(?:to|until|-|–)\\s*${YEAR}`,
    `(?:${MONTHS})\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+${YEAR}`,
    `\\d{1,2}(?:st|nd|rd|th)?\\s+(?:${MONTHS})\\s+${YEAR}`,
    `(?:${MONTHS})\\s+${YEAR}`,
    `(?:the\\s+)?${YEAR}s`,
    `\\b${YEAR}\\b`,
  ].join('|'),
  'g',
);
const LONE_YEAR = new RegExp(`^${YEAR}$`);
/** A time of day ("7 am", "7:30 p.m.", "19:00", "noon"): "when does it open?" asks for one as often as for a date. */
const TIME = /\b(?<![\d.:])(?:(?:[01]?\d|2[0-3]):[0-5]\d(?!\d)(?:\s?(?:[ap]\.m\.|[ap]m)(?![\p{L}]))?|(?:1[0-2]|0?[1-9])\s?(?:[ap]\.m\.|[ap]m)(?![\p{L}])|noon|midnight)/giu;
const NUMBER =
  /\b\d[\d,.]*(?:\s*(?:million|billion|thousand|hundred|percent|%|km|kilometres|kilometers|miles|metres|meters|feet|ft|m|kg|years?|days?|people|inhabitants|seats|episodes|copies))?\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred)\s+(?:million|billion|thousand|hundred|years?|people|times)\b/gi;
/** Capitalised words, joined by a few lower-case connectors ("University of Oxford", "Charles de Gaulle"). */
const NAME =
  /\p{Lu}[\p{L}\p{N}'’.&-]*(?:\s+(?:(?:of|the|de|del|la|le|van|von|der|da|di|du|&|y)\s+)*\p{Lu}[\p{L}\p{N}'’.&-]*)*/gu;
/** Words capitalised at a sentence's start that name nothing there: "Every", "Most", "However". */
const OPENERS = new Set(
  'Every Each All Some Most Many Several Few Both Such Only Once However Meanwhile Today Yesterday Tomorrow Later Earlier Then Now Also Still Yet Thus Hence Instead Otherwise Nevertheless Moreover Furthermore Finally First Second Third Next Last'.split(' '),
);
const CALENDAR = new RegExp(`^(?:${MONTHS}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$`);
const DEMONYM = /(?:ian|ean|ese|ish|can|ic)$/;
const QUOTED = /["“]([^"”]{2,80})["”]/g;
/** Words that are capitalised only because they open a sentence or are function words. */
const NOT_NAMES = new Set(
  'The A An In On At By For From To Of And But Or It Its He She They His Her Their This That These Those There Here When Where Which Who What Why How After Before During Since Although While As If Is Was Were Are Be Also'.split(' '),
);

/**
 * Short spans of a sentence that could answer a factoid question: dates and year ranges, times of day, numbers with
 * their units, names (runs of capitalised words), quoted titles, and, as a weak fallback, the noun-like phrase that
 * follows a copula ("is a ...", "was the ..."). Overlaps are kept: the scorer decides between "Oxford" and
 * "University of Oxford".
 */
export function answerSpans(sentence: string): Span[] {
  const spans: Span[] = [];
  const add = (text: string, kind: SpanKind, start: number): void => {
    // Trailing punctuation is the sentence's, but the stop of "p.m." is the time's.
    const trimmed = /[ap]\.m\.$/i.test(text) ? text : text.replace(/[\s,.;:'’]+$/u, '');
    if (trimmed.length === 0) return;
    spans.push({ text: trimmed, kind, start, end: start + trimmed.length });
  };
  for (const m of sentence.matchAll(DATE)) add(m[0], 'date', m.index);
  const times: Array<[number, number]> = [];
  for (const m of sentence.matchAll(TIME)) {
    add(m[0], 'date', m.index);
    // "6" of "6 pm" is no number of its own; a bare "17:30" may be a duration or a score, so its numbers stay.
    if (/[ap]\.?m\.?$|noon|midnight/i.test(m[0])) times.push([m.index, m.index + m[0].length]);
  }
  for (const m of sentence.matchAll(NUMBER)) {
    // A year is a date (above); other four-digit numbers are numbers ("port 3000").
    if (LONE_YEAR.test(m[0]) || times.some(([from, to]) => m.index >= from && m.index < to)) continue;
    // An address ("127.0.0.1") names a host; it is no quantity.
    add(m[0], /^\d+(?:\.\d+){3}$/.test(m[0]) ? 'name' : 'number', m.index);
  }
  for (const m of sentence.matchAll(QUOTED)) add(m[1] ?? '', 'title', m.index + 1);
  for (const m of sentence.matchAll(NAME)) {
    let text = m[0];
    let start = m.index;
    // A sentence-initial function word is not part of the name: "The Beatles" keeps "Beatles" too.
    const first = text.split(/\s+/)[0] ?? '';
    // A word capitalised only because it opens the sentence ("Every owner renames it") names nothing alone; before
    // another capitalised word it may begin the name ("All Saints formed ..."), so both are proposed.
    const opener = OPENERS.has(first) && /^\W*$/u.test(sentence.slice(0, m.index));
    if (opener) {
      if (text === first) continue;
      add(text, 'name', start);
    }
    if (opener || NOT_NAMES.has(first)) {
      const rest = text.slice(first.length).trimStart();
      start += text.length - rest.length;
      text = rest;
    }
    if (text.length < 2 || /^\d+$/.test(text) || NOT_NAMES.has(text) || CALENDAR.test(text)) continue;
    // A lone demonym ("American", "Korean") describes; it rarely names the answer.
    add(text, !text.includes(' ') && DEMONYM.test(text) ? 'phrase' : 'name', start);
  }
  const copula = /\b(?:is|was|are|were|became|becomes)\s+(?:an?|the)\s+((?:[\p{Ll}\p{Lu}-]+\s+){0,4}[\p{Ll}\p{Lu}-]+)/gu;
  for (const m of sentence.matchAll(copula)) {
    const phrase = m[1] ?? '';
    add(phrase, 'phrase', m.index + m[0].length - phrase.length);
  }
  return spans;
}
