import type { StructureNode } from '../core/types.js';
import { normalWords, parseAnchor, type Anchor, type AnchorIndex } from './anchor-index.js';
import type { SourceItem } from './structure-windows.js';
import type { TreeReply, TreeReplyNode } from './tree-format.js';

/** A model's reply for one window of the document: words [from, to) of the index. */
export interface WindowReply {
  from: number;
  to: number;
  reply: TreeReply;
}

export interface RestoreStats {
  /** Paragraph anchors in the replies, and how many were found in the text. */
  anchors: number;
  matched: number;
  /** Sections (at any depth) of the restored tree. */
  sections: number;
  /** Words no found paragraph covers: text the model left out, kept in the tree all the same. */
  omittedWords: number;
}

export type RestoreOutcome = { ok: true; tree: StructureNode; stats: RestoreStats } | { ok: false; reason: string; stats: RestoreStats };

interface SectionRef {
  key: string;
  title: string;
}

/** An anchor and the sections it sits in; null: it continues whatever section is in effect (a later window's abstract). */
interface PlacedAnchor {
  anchor: Anchor;
  path: SectionRef[] | null;
}

/** A found anchor: the word it starts at, and the section it opens there. */
interface AnchorEvent {
  word: number;
  path: SectionRef[] | null;
}

interface Piece {
  text: string;
  path: SectionRef[];
  /** A heading line of the source, whole. */
  heading: boolean;
  /** A found anchor starts exactly here. */
  anchored: boolean;
}

/**
 * Restores the model's tree onto the original text. Each paragraph anchor is looked for in its window, after the
 * previous one (document order); where a found anchor puts the text in another section than the one in effect,
 * the text is cut there (at a paragraph start, or inside a paragraph the model split). Every piece of the
 * original text lands in the tree: text the model left out stays in the section before it, or at the top before
 * the first section. A heading line of the source that the model turned into a section title is that title.
 * Windows are merged: a window whose first section has the title of the section the previous one ended in goes
 * on with that section, and its abstract (the model's name for "text before my first section") too.
 * Fails, with the reason, when a reply is not in the tree format or too few anchors are found.
 */
export function restoreTree(
  title: string,
  items: readonly SourceItem[],
  index: AnchorIndex,
  windows: readonly WindowReply[],
  minMatched: number,
): RestoreOutcome {
  const stats: RestoreStats = { anchors: 0, matched: 0, sections: 0, omittedWords: 0 };
  const untagged = windows.findIndex((w) => w.reply.tags === 0);
  if (untagged >= 0) {
    const where = windows.length > 1 ? `window ${untagged + 1} of ${windows.length}: ` : '';
    return { ok: false, reason: `${where}the reply is not in the tree format (no <abstract> or <section: ...> tags)`, stats };
  }
  const events: AnchorEvent[] = [];
  const covered: Array<[number, number]> = [];
  let cursor = 0;
  let carry: SectionRef[] = [];
  windows.forEach((window, w) => {
    const placed = continueSections(flatten(window.reply, w), carry);
    cursor = Math.max(cursor, window.from);
    for (const { anchor, path } of placed) {
      stats.anchors++;
      const head = index.findHead(anchor.head, cursor, window.to);
      if (!head) continue;
      const tail = index.findTail(anchor.tail, head.at, window.to);
      // Two words ("of the") are found almost anywhere: a head that short counts only with its tail after it.
      if (head.words < Math.min(3, anchor.head.length) && !(tail && tail.words >= Math.min(2, anchor.tail.length))) continue;
      stats.matched++;
      events.push({ word: head.at, path });
      covered.push([head.at, tail ? tail.end : head.at + head.words - 1]);
      if (path) carry = path;
      // A tail of three words or more is trusted to end the paragraph; the next one starts after it.
      cursor = tail && tail.words >= 3 ? Math.max(head.at + 1, tail.end + 1) : head.at + 1;
    }
  });
  stats.omittedWords = index.size - coveredWords(covered);
  if (stats.anchors === 0) return { ok: false, reason: 'the reply holds no paragraphs', stats };
  if (stats.matched < Math.ceil(minMatched * stats.anchors)) {
    return { ok: false, reason: `only ${stats.matched} of ${stats.anchors} abbreviated paragraphs were found in the text`, stats };
  }
  const pieces = attachHeadings(cutPieces(items, index, events));
  const tree = buildTree(title, pieces);
  stats.sections = countSections(tree);
  return { ok: true, tree, stats };
}

/** The anchors of a reply in order, each with its path of sections; section keys are unique to the window. */
function flatten(reply: TreeReply, window: number): PlacedAnchor[] {
  const out: PlacedAnchor[] = [];
  let next = 0;
  const walk = (node: TreeReplyNode, path: SectionRef[] | null): void => {
    for (const child of node.children) {
      if (typeof child === 'string') out.push({ anchor: parseAnchor(child), path });
      else if (child.kind === 'abstract') walk(child, window === 0 ? [] : null);
      else if (normalWords(child.title).length === 0) walk(child, path);
      else walk(child, [...(path ?? []), { key: `${window}.${next++}`, title: child.title }]);
    }
  };
  walk(reply.root, []);
  return out;
}

/** A window's first sections that repeat the titles of the sections in effect at its start continue them. */
function continueSections(placed: PlacedAnchor[], carry: readonly SectionRef[]): PlacedAnchor[] {
  const first = placed.find((p) => p.path !== null && p.path.length > 0)?.path ?? [];
  const remap = new Map<string, string>();
  for (let d = 0; d < first.length && d < carry.length; d++) {
    const mine = first[d];
    const theirs = carry[d];
    if (!mine || !theirs || !sameTitle(mine.title, theirs.title)) break;
    remap.set(mine.key, theirs.key);
  }
  if (remap.size === 0) return placed;
  return placed.map((p) => ({ anchor: p.anchor, path: p.path?.map((r) => ({ key: remap.get(r.key) ?? r.key, title: r.title })) ?? null }));
}

const pathKey = (path: readonly SectionRef[]): string => path.map((r) => r.key).join('/');

/** The source cut into pieces wherever a found anchor changes the section; each piece with its section path. */
function cutPieces(items: readonly SourceItem[], index: AnchorIndex, events: readonly AnchorEvent[]): Piece[] {
  const pieces: Piece[] = [];
  let current: SectionRef[] = [];
  let e = 0;
  items.forEach((item, i) => {
    const first = index.itemStart[i] ?? 0;
    const end = index.itemStart[i + 1] ?? index.size;
    let from = 0;
    let anchored = false;
    let cut = false;
    const push = (to: number): void => {
      const text = item.text.slice(from, to).trim();
      if (text.length > 0) pieces.push({ text, path: current, heading: item.heading && !cut && to === item.text.length, anchored: anchored && from === 0 });
    };
    for (; e < events.length && (events[e]?.word ?? end) < end; e++) {
      const ev = events[e] as AnchorEvent;
      if (ev.word === first) anchored = true;
      if (ev.path === null || pathKey(ev.path) === pathKey(current)) continue;
      const at = ev.word === first ? 0 : backOverOpeners(item.text, index.start[ev.word] ?? 0, from);
      if (at > from) {
        push(at);
        cut = true;
      }
      current = ev.path;
      from = at;
    }
    push(item.text.length);
  });
  return pieces;
}

/** A cut before a word moves back over the quote or bracket that opens its sentence. */
function backOverOpeners(text: string, at: number, floor: number): number {
  let k = at;
  while (k > floor && /["'(\[\u201c\u2018\u00ab\u00bf\u00a1]/.test(text[k - 1] ?? '')) k--;
  return k;
}

/**
 * A heading line no anchor starts belongs to the text after it (headings introduce what follows); a heading line
 * that is the title of its section is dropped, since the section carries it.
 */
function attachHeadings(pieces: Piece[]): Piece[] {
  for (let k = pieces.length - 2; k >= 0; k--) {
    const piece = pieces[k] as Piece;
    if (piece.heading && !piece.anchored) piece.path = (pieces[k + 1] as Piece).path;
  }
  return pieces.filter((p) => {
    const own = p.path[p.path.length - 1];
    return !(p.heading && own && sameTitle(p.text, own.title));
  });
}

function buildTree(title: string, pieces: readonly Piece[]): StructureNode {
  const root: StructureNode = { kind: 'document', title, level: 0, children: [] };
  const sections = new Map<string, StructureNode>();
  for (const piece of pieces) {
    let parent = root;
    for (const ref of piece.path) {
      let node = sections.get(ref.key);
      if (!node) {
        node = { kind: 'section', title: ref.title, level: parent.level + 1, children: [] };
        parent.children.push(node);
        sections.set(ref.key, node);
      }
      parent = node;
    }
    parent.children.push({ kind: 'paragraph', text: piece.text, level: parent.level, children: [] });
  }
  return root;
}

function countSections(node: StructureNode): number {
  return node.children.reduce((n, c) => n + (c.kind === 'section' ? 1 + countSections(c) : 0), 0);
}

/** Words inside any of the [first, last] ranges. */
function coveredWords(ranges: Array<[number, number]>): number {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -1;
  for (const [a, b] of sorted) {
    if (b <= end) continue;
    total += b - Math.max(a, end + 1) + 1;
    end = b;
  }
  return total;
}

/** Titles that differ only in case, punctuation, quotes or a leading section number are the same title. */
export function sameTitle(a: string, b: string): boolean {
  const forms = (s: string): [string, string] => {
    const words = normalWords(s);
    const firstWord = words.findIndex((w) => !/^\d+$/.test(w));
    return [words.join(' '), firstWord < 0 ? '' : words.slice(firstWord).join(' ')];
  };
  const [a1, a2] = forms(a);
  const [b1, b2] = forms(b);
  return (a1 !== '' && a1 === b1) || (a2 !== '' && a2 === b2);
}
