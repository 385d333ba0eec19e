import type { Passage } from '../core/types.js';
import type { ChatMessage } from './chat-types.js';
import { withoutMarkers } from './citation-markers.js';

/** The label of the final short answer the prompt asks for. */
export const FINAL_ANSWER_LABEL = 'Answer:';

/** The final answer the prompt asks for when the passages do not hold the answer: read as an abstention. */
export const UNKNOWN_ANSWER = 'unknown';

/** How every answer the platform asks an LLM for is written: cited, honest about missing evidence, marked. */
export const ANSWER_RULES = [
  'Support each statement with the numbers of the passages it comes from, in square brackets: [1], or [2][3].',
  `If the passages do not contain the answer, do not guess: say what they lack, then end with one last line "${FINAL_ANSWER_LABEL} ${UNKNOWN_ANSWER}".`,
  `When the answer is short (a name, a number, a date, yes or no, a few words), first reason step by step, then end with one last line of the form "${FINAL_ANSWER_LABEL} <the short answer>".`,
];

const SYSTEM = ['You answer questions using only the numbered passages you are given.', ...ANSWER_RULES].join('\n');

/** The chat messages that ask for a cited answer to `query` from `passages`, numbered from 1. */
export function answerMessages(query: string, passages: readonly Passage[]): ChatMessage[] {
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `Passages:\n\n${numberedPassages(passages)}\n\nQuestion: ${query}` },
  ];
}

/** Passages as a prompt shows them: "[n] title > headings", then the text; numbered from 1, as citations count. */
export function numberedPassages(passages: readonly Passage[]): string {
  return passages
    .map((p, i) => {
      // One line: a title holding line breaks could forge the header of another passage ("\n\n[3] Official").
      const where = [p.title, ...(p.headingPath ?? [])]
        .filter((s): s is string => Boolean(s && s.trim()))
        .map((s) => s.replace(/\s+/g, ' ').trim())
        .join(' > ');
      return `[${i + 1}]${where ? ` ${where}` : ''}\n${p.text.trim()}`;
    })
    .join('\n\n');
}

/** The answer in a generated text: the marked final answer when there is one, else the whole text. */
export interface ParsedAnswer {
  text: string;
  /** Where the answer was written in the generated text: [start, end). */
  start: number;
  end: number;
  /** True when the text ended with a marked final answer. */
  final: boolean;
}

/**
 * "Answer: X", "Final answer: X", "**Answer:** X", the last such line; also the label as a model answering in
 * French, Spanish, Portuguese, Italian or German writes it ("Réponse : X"; before, the whole French reply was the
 * answer). The answer is taken greedily and trimmed in code: a lazy group before trailing blanks and $ retried at
 * every blank of a long run (40,000 blanks held the event loop 6 s).
 */
const FINAL = /^[ \t>*_#-]*(?:(?:final[ \t]+)?answer|réponse(?:[ \t]+finale)?|respuesta(?:[ \t]+final)?|resposta(?:[ \t]+final)?|risposta(?:[ \t]+finale)?|antwort)[ \t*_]*:[ \t*_]*(.*)$/dgim;
const MARKER_ONLY = /^\[[\d\s,–-]+\]$/;

/** Drops characters from the end while `drop` holds: a regex anchored only at $ retries from every position. */
function trimEndWhile(text: string, drop: (ch: string) => boolean): string {
  let end = text.length;
  while (end > 0 && drop(text[end - 1] as string)) end--;
  return text.slice(0, end);
}

/** "X [1][2]." -> "X": citation markers at the end, with the blanks, stops and emphasis after them. */
function withoutTrailingMarkers(text: string): string {
  let cut = text.length;
  for (;;) {
    const rest = trimEndWhile(text.slice(0, cut), (ch) => /[\s.*_]/.test(ch));
    if (!rest.endsWith(']')) break;
    const open = rest.lastIndexOf('[');
    if (open < 0 || !MARKER_ONLY.test(rest.slice(open))) break;
    cut = open;
  }
  return text.slice(0, cut);
}

export function parseAnswer(generated: string): ParsedAnswer {
  let last: RegExpExecArray | undefined;
  for (const m of generated.matchAll(FINAL)) if ((m[1] ?? '').replace(/[*_\s]/g, '').length > 0) last = m;
  if (last && last[1] !== undefined) {
    const raw = last[1].trimEnd();
    const start = last.indices?.[1]?.[0] ?? 0;
    // The answer's own words: markers, emphasis and a closing period after it are not part of it.
    const core = trimEndWhile(withoutTrailingMarkers(raw), (ch) => /[*_\s]/.test(ch));
    const text = trimEndWhile(withoutMarkers(core.replace(/^[*_]+/, '')), (ch) => ch === '*' || ch === '_');
    if (text.length > 0) return { text, start, end: start + core.length, final: true };
  }
  const trimmed = generated.trim();
  const start = generated.indexOf(trimmed);
  return { text: trimmed, start, end: start + trimmed.length, final: false };
}
