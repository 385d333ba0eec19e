/**
 * LongRefiner's tree format, as a model writes it:
 *
 *   <abstract>
 *   The city of Ulm...on the Danube.
 *   </abstract>
 *   <section: History>
 *   Ulm was founded...in 1181.
 *   <sub-section: "Middle Ages">
 *   During the Middle...trade routes.
 *   </sub-section: "Middle Ages">
 *   </section: History>
 *
 * Each line inside a tag stands for one paragraph, abbreviated to its first and last words.
 */

/** A node of a tree-format reply: the root, the abstract, or a (sub-)section; children in the order written. */
export interface TreeReplyNode {
  kind: 'root' | 'abstract' | 'section';
  /** The section's title, quotes removed; empty for the root and the abstract. */
  title: string;
  /** 0 for the root, 1 for the abstract and sections, 2 for sub-sections, 3 for sub-sub-sections. */
  level: number;
  /** Paragraph anchors (one line each) and nested nodes, in order. */
  children: Array<TreeReplyNode | string>;
}

export interface TreeReply {
  root: TreeReplyNode;
  /** Tags recognised: zero means the reply is not in the tree format at all. */
  tags: number;
  /** Paragraph anchors inside tags. */
  anchors: number;
}

/**
 * Opening and closing tags, leniently: any case, spaces inside the brackets, "sub-section", "subsection" or
 * "sub_section" (and "sub-sub-section"), the title after a colon quoted or not, closing tags with or without it.
 */
const TAG = /<\s*(\/?)\s*(abstract|(?:sub[-_ ]?)*section)\s*(?::\s*([^<>\n]*?))?\s*>/gi;

/** Quote pairs a model wraps titles in. */
const QUOTES: ReadonlyArray<readonly [string, string]> = [
  ['"', '"'],
  ["'", "'"],
  ['\u201c', '\u201d'],
  ['\u2018', '\u2019'],
  ['\u00ab', '\u00bb'],
  ['`', '`'],
  ['**', '**'],
];

/**
 * Parses a reply into its tree. Tolerant of what models do: titles quoted or not, missing or mismatched closing
 * tags (a new section closes the open one of its level or deeper), `<br>` between paragraphs, code fences and
 * chatter around the tree (text outside every tag is not part of it). Never throws; a reply with no tags gives
 * `tags: 0`.
 */
export function parseTreeReply(reply: string): TreeReply {
  const root: TreeReplyNode = { kind: 'root', title: '', level: 0, children: [] };
  const stack: TreeReplyNode[] = [root];
  let tags = 0;
  let anchors = 0;
  let last = 0;
  const addText = (text: string): void => {
    const open = stack[stack.length - 1] ?? root;
    if (open === root) return;
    for (const line of text.split(/\n|<br\s*\/?>/i)) {
      const anchor = line.trim();
      if (!/[\p{L}\p{N}]/u.test(anchor)) continue;
      open.children.push(anchor);
      anchors++;
    }
  };
  for (const m of reply.matchAll(TAG)) {
    addText(reply.slice(last, m.index));
    last = m.index + m[0].length;
    tags++;
    const name = (m[2] ?? '').toLowerCase();
    const level = name === 'abstract' ? 1 : 1 + (name.match(/sub/g)?.length ?? 0);
    if (m[1] === '/') {
      // Close the innermost open node of that level (and anything left open inside it); a stray closer is ignored.
      for (let i = stack.length - 1; i > 0; i--) {
        if (stack[i]?.level === level) {
          stack.length = i;
          break;
        }
      }
      continue;
    }
    while (stack.length > 1 && (stack[stack.length - 1]?.level ?? 0) >= level) stack.pop();
    const node: TreeReplyNode = { kind: name === 'abstract' ? 'abstract' : 'section', title: name === 'abstract' ? '' : cleanTitle(m[3] ?? ''), level, children: [] };
    (stack[stack.length - 1] ?? root).children.push(node);
    stack.push(node);
  }
  addText(reply.slice(last));
  return { root, tags, anchors };
}

/** A title without the quotes (or bold marks) around it and with its spaces collapsed. */
export function cleanTitle(raw: string): string {
  let title = raw.replace(/\s+/g, ' ').trim();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [open, close] of QUOTES) {
      if (title.length >= open.length + close.length && title.startsWith(open) && title.endsWith(close)) {
        title = title.slice(open.length, title.length - close.length).trim();
        changed = true;
      }
    }
  }
  // A quote opened and never closed (or the reverse) is the model's slip, not part of the title.
  return title.replace(/^["\u201c\u201d\u00ab\u00bb`]+|["\u201c\u201d\u00ab\u00bb`]+$/g, '').trim();
}
