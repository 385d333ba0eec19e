import { decodeHTML } from 'entities';
import { Lexer, type Token, type Tokens } from 'marked';
import { withoutBom } from '../core/invisible-marks.js';
import type { StructureNode } from '../core/types.js';
import { StructureBuilder, collapse } from './structure.js';
import {
  CONTAINER_WEIGHT,
  MAX_MARKDOWN_DEPTH,
  MAX_MARKDOWN_INLINE_MARKS,
  MAX_MARKDOWN_LIST_INDENT,
  MAX_MARKDOWN_WORK,
  MAX_MARKDOWN_WORK_SECONDS,
  UnparsableDocument,
} from './unparsable-document.js';

/**
 * Markdown to a structure tree: ATX/Setext headings open sections, every other block is a paragraph. Throws
 * UnparsableDocument for nesting marked cannot take in bounded time or stack (see unparsable-document.ts).
 */
export function parseMarkdown(source: string, fallbackTitle: string, givenTitle?: string): StructureNode {
  const { markdown, title } = frontMatter(withoutBom(source));
  checkParseBounds(markdown);
  try {
    return structureOf(new Lexer({ gfm: true }).lex(markdown), title ?? fallbackTitle, givenTitle);
  } catch (err) {
    // marked recurses per nested construct, emphasis runs too: what the line checks let through ends here.
    if (err instanceof RangeError) throw new UnparsableDocument('Markdown nests too deeply to parse');
    throw err;
  }
}

/**
 * The first H1 is the document's title, unless the client gave one: then it stays a section (it is a heading of
 * the text, such as the first of several articles), except when it says the same.
 */
function structureOf(tokens: Token[], fallbackTitle: string, givenTitle?: string): StructureNode {
  const firstH1 = tokens.find((t): t is Tokens.Heading => t.type === 'heading' && t.depth === 1);
  const h1 = firstH1 ? plain(firstH1.text) : undefined;
  const builder = new StructureBuilder(givenTitle ?? h1 ?? fallbackTitle);
  for (const token of tokens) {
    if (token === firstH1 && (givenTitle === undefined || h1 === givenTitle)) continue;
    if (token.type === 'heading') builder.heading(plain((token as Tokens.Heading).text), (token as Tokens.Heading).depth);
    // A list's indentation is its nesting: kept, as a code block's is.
    else if (token.type !== 'space' && token.type !== 'hr' && token.type !== 'def') builder.paragraph(blockText(token), token.type === 'code' || token.type === 'list');
  }
  return builder.root;
}

/**
 * YAML front matter (Jekyll, Hugo, Docusaurus, Obsidian): a block that opens the document with a `---` line and
 * closes with `---` or `...`, every line of it a `key: value`, a list item, an indented continuation or blank. It is
 * metadata, not text: marked would read it as a rule and a setext heading ("title: ... author: ..."), a section
 * the document's first paragraphs would then sit under. A block with a line of prose in it is left alone, and so is
 * one YAML cannot read: a site generator would have refused it, so it is text ("Note: the fix: restart it." between
 * two rules). Prose shaped like `Word: a sentence.` is not told apart: front matter's `description:` is a sentence too.
 */
const FRONT_MATTER = /^---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;
const FRONT_MATTER_LINE = /^(?:[ \t]*$|[ \t]*#|[\w"'-][^:.!?]{0,60}:(?:[ \t]|$)|[ \t]+\S|-[ \t])/;

/**
 * A top-level `key: value` line whose plain (unquoted, not flow) value holds ": " or ends with ":", which YAML
 * rejects ("mapping values are not allowed here"), a comment left out.
 */
const NOT_YAML = /^[\w"'-][^:.!?]{0,60}:[ \t]+(?!["'[{|>&*!%@`])(?:[^#]|(?<![ \t])#)*?:(?:[ \t]|$)/;

/** A top-level `title:` of front matter, its value on the line (quoted or not). */
const FRONT_MATTER_TITLE = /^title:[ \t]*(.*?)[ \t]*$/;

/**
 * The document without its front matter, and the front matter's title: static site generators (Hugo, Jekyll,
 * Docusaurus) take a page's title from there and write no H1, so it stands in for the first H1.
 */
function frontMatter(markdown: string): { markdown: string; title?: string } {
  const m = FRONT_MATTER.exec(markdown);
  if (!m) return { markdown };
  const lines = (m[1] ?? '').split(/\r?\n/);
  if (!lines.every((l) => FRONT_MATTER_LINE.test(l) && !NOT_YAML.test(l))) return { markdown };
  const body = markdown.slice(m[0].length);
  const value = lines.map((l) => FRONT_MATTER_TITLE.exec(l)?.[1]).find((v) => v !== undefined);
  const title = value === undefined || /^[|>]/.test(value) ? '' : collapse(unquoted(value));
  return title ? { markdown: body, title } : { markdown: body };
}

/** A YAML scalar without its quotes ("It's", 'It''s'). */
function unquoted(value: string): string {
  const double = /^"((?:[^"\\]|\\.)*)"(?:[ \t]+#.*)?$/.exec(value);
  if (double) return (double[1] ?? '').replace(/\\(["\\])/g, '$1');
  const single = /^'((?:[^']|'')*)'(?:[ \t]+#.*)?$/.exec(value);
  if (single) return (single[1] ?? '').replace(/''/g, "'");
  return value.replace(/[ \t]+#.*$/, '');
}

/** A line's leading containers (blockquote marks and list markers), a list item's indent, a code fence. */
const CONTAINERS = /^(?:[ \t]*(?:>|(?:[-*+]|\d{1,9}[.)])(?=[ \t])))+/;
const CONTAINER_MARK = />|[-*+]|\d{1,9}[.)]/g;
const LIST_ITEM_INDENT = /^([ \t]*)(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/;
const INLINE_MARKS = /[*_!]/g;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Rejects what marked cannot parse in bounded time and stack, before it tries (see unparsable-document.ts): per
 * line, the stack-bound caps; over the document, an estimate of marked's time, which grows with the square of a
 * line's emphasis marks and of its nested containers. Code fences are skipped: marked reads no emphasis there.
 */
function checkParseBounds(markdown: string): void {
  let fence: string | undefined;
  let work = 0;
  for (const [n, line] of markdown.split('\n').entries()) {
    const opens = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      if (opens !== undefined && opens[0] === fence[0] && opens.length >= fence.length) fence = undefined;
      continue;
    }
    if (opens !== undefined) {
      fence = opens;
      continue;
    }
    const marks = line.match(INLINE_MARKS)?.length ?? 0;
    if (marks > MAX_MARKDOWN_INLINE_MARKS) {
      throw new UnparsableDocument(`Markdown line ${n + 1} holds more than ${MAX_MARKDOWN_INLINE_MARKS} emphasis or image marks (*, _, !)`);
    }
    const indent = LIST_ITEM_INDENT.exec(line)?.[1];
    if (indent !== undefined && indent.replace(/\t/g, '    ').length > MAX_MARKDOWN_LIST_INDENT) {
      throw new UnparsableDocument(`Markdown indents a list item by more than ${MAX_MARKDOWN_LIST_INDENT} columns`);
    }
    const prefix = CONTAINERS.exec(line)?.[0];
    const containers = prefix === undefined ? 0 : (prefix.match(CONTAINER_MARK)?.length ?? 0);
    if (containers > MAX_MARKDOWN_DEPTH) {
      throw new UnparsableDocument(`Markdown nests quotes and lists deeper than ${MAX_MARKDOWN_DEPTH} levels on one line`);
    }
    work += marks * marks + CONTAINER_WEIGHT * containers * containers;
    if (work > MAX_MARKDOWN_WORK) {
      throw new UnparsableDocument(
        `Markdown would take marked more than about ${MAX_MARKDOWN_WORK_SECONDS} s to parse (by line ${n + 1}: many lines with hundreds of *, _ or ! marks, or deeply nested quotes and lists)`,
      );
    }
  }
}

function blockText(token: Token): string {
  switch (token.type) {
    case 'code':
      return (token as Tokens.Code).text;
    case 'list':
      return listLines(token as Tokens.List, '').join('\n');
    case 'table': {
      const t = token as Tokens.Table;
      const row = (cells: Tokens.TableCell[]): string => cells.map((c) => plain(c.text)).join(' | ');
      return [row(t.header), ...t.rows.map(row)].join('\n');
    }
    case 'html':
      return collapse((token as Tokens.HTML).text.replace(/<[^>]*>/g, ' '));
    case 'paragraph':
      // Soft line breaks are layout, not structure: a hard-wrapped sentence is one sentence.
      return joinSoftBreaks(plain((token as Tokens.Paragraph).text));
    default:
      return plain('text' in token && typeof token.text === 'string' ? token.text : token.raw);
  }
}

/**
 * A list as lines: one per item, with its marker ("-", or its number in an ordered list: steps are referred to by
 * number), and a nested list's items on lines of their own, indented under their item. An item's own soft line breaks
 * are layout, as in a paragraph. Before, numbers became "-" and nested items ran into their parent's line ("- Wait
 * - Check the dashboard. - Check the logs."), read as one sentence. A task item's checkbox is its state: "[x] " or
 * "[ ] " before its text ("is the backup done?"). A table in an item is its rows, each a line under the item, as a
 * table is written elsewhere ("a | b | c"), not one line of its cells; a code block its lines, indentation kept.
 */
function listLines(list: Tokens.List, indent: string): string[] {
  const first = typeof list.start === 'number' ? list.start : 1;
  return list.items.flatMap((item, i) => {
    const marker = list.ordered ? `${first + i}.` : '-';
    const inner = `${indent}${' '.repeat(marker.length + 1)}`;
    const lines: string[] = [];
    let words: string[] = item.task ? [item.checked === true ? '[x]' : '[ ]'] : [];
    // The item's text up to a nested list is its marker's line; text after one goes on a line of its own.
    const endLine = (): void => {
      if (words.length > 0 || lines.length === 0) lines.push(`${lines.length === 0 ? `${indent}${marker} ` : inner}${words.join(' ')}`);
      words = [];
    };
    for (const [n, child] of item.tokens.entries()) {
      if (child.type === 'list') {
        endLine();
        lines.push(...listLines(child as Tokens.List, inner));
      } else if (child.type === 'table' || child.type === 'code') {
        endLine();
        lines.push(...blockText(child).split('\n').map((row) => (row.trim() === '' ? '' : `${inner}${row}`)));
      } else if (child.type !== 'space' && child.type !== 'checkbox') {
        // A task item's checkbox ("[ ] ", "[x] ") is written from the item's state: in the source it is a token of
        // its own, or in a loose list the start of the item's first paragraph.
        const text = item.task && n === 0 && 'text' in child ? { ...child, text: child.text.replace(/^\[[ xX]\][ \t]+/, '') } : child;
        const line = collapse(joinSoftBreaks(blockText(text as Token)));
        if (line) words.push(line);
      }
    }
    endLine();
    return lines;
  });
}

/**
 * Soft line breaks as spaces: each line break, with the spaces and tabs around it, becomes one space. As
 * `replace(/[ \t]*\n[ \t]*\/g, ' ')` does, but in linear time: that regex tries every blank of a run, and one
 * paragraph of 150,000 spaces held the event loop for 10 s.
 */
function joinSoftBreaks(text: string): string {
  if (!text.includes('\n')) return text;
  const lines = text.split('\n');
  const last = lines.length - 1;
  return lines
    .map((line, i) => {
      let start = 0;
      let end = line.length;
      if (i > 0) while (start < end && (line[start] === ' ' || line[start] === '\t')) start++;
      if (i < last) while (end > start && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
      return line.slice(start, end);
    })
    .join(' ');
}

/** Inline Markdown to readable text: link text, code spans verbatim, emphasis marks and HTML tags dropped. */
function plain(text: string): string {
  const tokens = new Lexer({ gfm: true }).inlineTokens(text);
  const [first, ...rest] = tokens;
  // A bold lead-in ("**Metrics.** GET /metrics ...") names what its paragraph or item is about: joined to the first
  // sentence with a colon, it stays with it, where as a sentence of its own it was a fragment a reader could answer with.
  if (first?.type === 'strong' && rest.length > 0) {
    const lead = inline([first]).trim();
    const after = inline(rest);
    if (/^[^.!?]{1,80}\.$/u.test(lead) && /^\s/.test(after)) return `${lead.slice(0, -1)}:${after}`.trim();
  }
  return inline(tokens).trim();
}

/** Inline HTML tags that end a line or a block where a browser shows them: "a<br>b" reads as two words. */
const BREAKING_TAG = /^<\/?(?:br|hr|p|div|li|dt|dd|tr|td|th|h[1-6]|blockquote|pre|table|ul|ol|dl)(?=[\s/>])/i;

function inline(tokens: Token[]): string {
  return tokens
    .map((t) => {
      switch (t.type) {
        case 'codespan':
          return (t as Tokens.Codespan).text;
        case 'html':
          // A tag that breaks the line (a table cell's <br>, the only way to put two lines in one) separates words.
          return BREAKING_TAG.test((t as Tokens.HTML).text) ? ' ' : '';
        case 'br':
          return '\n';
        case 'image':
          return (t as Tokens.Image).text;
        case 'link': {
          const link = t as Tokens.Link;
          // An autolink (<https://…>) has the address as its text: keep it.
          return link.tokens ? inline(link.tokens) : link.text;
        }
        default:
          if ('tokens' in t && Array.isArray(t.tokens)) return inline(t.tokens);
          // Character references (&amp;, &eacute;) read as the characters they stand for, as a renderer shows them.
          return decodeHTML('text' in t && typeof t.text === 'string' ? t.text : t.raw);
      }
    })
    .join('');
}
