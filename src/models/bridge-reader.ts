import { normalizeAnswer } from '../core/answer-text.js';
import type { RunContext } from '../core/run-context.js';
import type { TextMemo } from '../core/text-memo.js';
import type { Passage, ReaderResult } from '../core/types.js';
import { isFactoid } from './question-type.js';
import { readQuestion } from './read-question.js';
import { Reader, type ReaderOutput } from './reader.js';
import { normalizedPassage } from './normalized-passage.js';
import { sharedRead } from './shared-read.js';

/** The passages a bridge read answers from, and where each stood among all the passages (1-based). */
export interface BridgeHop {
  passages: Passage[];
  positions: number[];
}

/**
 * A second hop for multi-hop factoid questions. The question names its subject ("The Vermont Catamounts men's
 * soccer team competes in a conference formerly known as what?"); the subject's passage links to another entity
 * (the bridge: a passage whose title it mentions, "America East Conference"), and the answer stands in the
 * bridge's passage, not in the subject's. This reader hands the inner (span) reader the bridge passages alone,
 * so the subject's own names and dates cannot outscore what the bridge says. It sees different text than a
 * reader of all the passages, which is what an ensemble member needs to fail differently. Questions it cannot
 * place (no bridge, choices, yes/no, descriptions) are read by the inner reader from every passage.
 */
export class BridgeReader extends Reader {
  readonly name = 'extractive-bridge';

  constructor(
    private readonly memo: TextMemo,
    private readonly inner: Reader,
  ) {
    super();
  }

  protected async doAnswer(query: string, passages: readonly Passage[], ctx: RunContext): Promise<ReaderOutput> {
    const { type, form } = readQuestion(query);
    const hop = isFactoid(type) && !form ? bridgeHop(this.memo, query, passages) : undefined;
    // Through the request's memo: a member reading these passages with the inner reader shares its read.
    if (!hop) return { result: await sharedRead(this.inner, query, passages, ctx), attrs: { hop: false } };
    const read = await sharedRead(this.inner, query, hop.passages, ctx);
    return { result: renumbered(read, hop.positions), attrs: { hop: true, bridges: hop.passages.length } };
  }
}

/** Most bridge passages read: the answer is one hop away, so a few links from the subject suffice. */
const MAX_BRIDGES = 3;

/**
 * The question's subjects are the passages whose title it names; with none named, the best-ranked passage. The
 * bridges are the other passages whose title a subject's text mentions, in rank order. Undefined when there is
 * no bridge.
 */
export function bridgeHop(memo: TextMemo, query: string, passages: readonly Passage[]): BridgeHop | undefined {
  const question = ` ${normalizeAnswer(query)} `;
  const names = passages.map((p) => titleNames(p.title ?? ''));
  const named = passages.map((_p, i) => (names[i] ?? []).some((n) => question.includes(` ${n} `)));
  const subjects = named.some(Boolean) ? passages.map((_p, i) => i).filter((i) => named[i]) : passages.length > 0 ? [0] : [];
  const texts = passages.map((p) => normalizedPassage(memo, p));
  const picked: number[] = [];
  passages.forEach((_p, i) => {
    if (subjects.includes(i) || named[i] || picked.length >= MAX_BRIDGES) return;
    const own = names[i] ?? [];
    if (own.length === 0) return;
    if (subjects.some((s) => s !== i && own.some((n) => (texts[s] ?? '').includes(` ${n} `)))) picked.push(i);
  });
  if (picked.length === 0) return undefined;
  return { passages: picked.map((i) => passages[i] as Passage), positions: picked.map((i) => i + 1) };
}

/**
 * The names a passage's title goes by, normalised: the title without its parenthetical ("Winner (band)" is
 * "winner"), and the part before a comma ("Boston, Lincolnshire" is also "boston"). A name of one short word
 * is too common to mean the passage.
 */
export function titleNames(title: string): string[] {
  const core = title.replace(/\s*\([^)]*\)\s*$/, '').trim();
  const out = new Set<string>();
  for (const name of [core, core.split(',')[0] ?? '']) {
    const n = normalizeAnswer(name);
    if (n.length >= 3) out.add(n);
  }
  return [...out];
}

/** Citations of a read over the hop's passages, as numbers among all the passages. */
function renumbered(read: ReaderResult, positions: readonly number[]): ReaderResult {
  return {
    ...read,
    candidates: read.candidates.map((c) => ({ ...c, citations: c.citations.map((n) => positions[n - 1] ?? n) })),
  };
}
