import { Parser } from 'htmlparser2';
import type { StructureNode } from '../core/types.js';
import { HtmlLists, type ListLine } from './html-list.js';
import { HtmlTable } from './html-table.js';
import { StructureBuilder, collapse } from './structure.js';
import { MAX_HTML_PARSE_MS, UnparsableDocument } from './unparsable-document.js';

const HEADING = /^h([1-6])$/;
const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'head', 'nav', 'iframe']);

/**
 * A page's or an article's <footer> is boilerplate ("© 2024 ... Privacy policy | Terms of service") that was indexed
 * under the last section; a quotation's <footer> names its source, and stays. A <header> outside any <article>,
 * <main> or <section> is the site's banner (its name, a search box, menu links), indexed as the first section's
 * opening paragraph; an article's or a section's <header> holds its title and byline, and stays.
 */
const skips = (name: string, quotes: number, sectioning: number): boolean =>
  SKIP.has(name) || (name === 'footer' && quotes === 0) || (name === 'header' && quotes === 0 && sectioning === 0);

/** Elements whose <header> is their own, not the page's. */
const SECTIONING = new Set(['article', 'main', 'section']);

/**
 * An <aside> that is navigation: a sidebar of links or a page's table of contents (Hugo and Jekyll themes' sidebars,
 * Furo's "toc-drawer"), said by its role or class, or seen in its text: 80% of it, headings aside, the text of three
 * links or more.
 * Other asides are callouts, docutils' sidebars and footnotes: text of the page, kept. (A class "sidebar" alone does
 * not tell: docutils writes its sidebar directive, content, as <aside class="sidebar">.)
 */
interface OpenAside {
  start: number;
  navigation: boolean;
  /** Characters of text (blanks left out) in it, those inside links, and its links. */
  chars: number;
  linkChars: number;
  links: number;
}
const NAVIGATION_CLASS = /(?:^|[\s_-])(?:toc|table-of-contents)(?:$|[\s_-])/i;
const isNavigation = (a: OpenAside): boolean => a.navigation || (a.links >= 3 && a.linkChars >= 0.8 * a.chars);

/** Elements that end a paragraph: their text is a block of its own. */
const BLOCK = new Set([
  'p', 'div', 'li', 'ul', 'ol', 'pre', 'blockquote', 'table', 'tr', 'section', 'article', 'main', 'header',
  'footer', 'aside', 'dd', 'dt', 'dl', 'figure', 'figcaption', 'br', 'hr', 'body', 'form', 'fieldset', 'address',
]);

interface HtmlEvent {
  kind: 'heading' | 'paragraph';
  text: string;
  level: number;
  /** Text of a <pre> or a list: its line breaks and indentation kept. */
  verbatim?: boolean;
  /** A block of a list item: its text as a line of the list, with the item's marker or indentation. */
  line?: ListLine;
}

/** Characters handed to the parser at a time, between checks of the time spent. */
const SLICE = 8192;

/**
 * HTML to a structure tree: h1-h6 open sections, block elements' text becomes paragraphs; scripts are dropped.
 * Throws UnparsableDocument when parsing takes longer than `budgetMs` (see MAX_HTML_PARSE_MS), checked as the text
 * is fed to the parser a slice at a time.
 */
export function parseHtml(html: string, fallbackTitle: string, budgetMs = MAX_HTML_PARSE_MS, givenTitle?: string): StructureNode {
  const events: HtmlEvent[] = [];
  let docTitle = '';
  let inTitle = false;
  let svgDepth = 0;
  let skipDepth = 0;
  // Open <blockquote> elements, and open <article>, <main> and <section> elements, outside skipped ones.
  let quotes = 0;
  let sectioning = 0;
  // Open <a> elements and <aside> elements, outside skipped ones: an aside of links is navigation (see OpenAside).
  let links = 0;
  const asides: OpenAside[] = [];
  let heading = 0;
  // Open <pre> elements: their text keeps its line breaks and indentation.
  let pre = 0;
  let buffer = '';
  // Elements open now (the parser reports implied closes too), for the message when parsing takes too long.
  let depth = 0;
  // Tables open now, the innermost last: a data table's rows are written as one paragraph when it closes.
  const tables: HtmlTable[] = [];
  // Lists open now: a list's items are written as the lines of one paragraph when the outermost closes.
  const lists = new HtmlLists();

  const addText = (text: string): void => {
    buffer += text;
    tables.at(-1)?.text(text);
  };

  const flush = (): void => {
    const verbatim = pre > 0 && heading === 0;
    // Preformatted text keeps its lines (StructureBuilder trims the blank ones around it); other text is collapsed.
    const text = verbatim ? buffer.replace(/\r\n?/g, '\n') : collapse(buffer);
    buffer = '';
    if (text.trim().length === 0) return;
    if (heading > 0) events.push({ kind: 'heading', text, level: heading });
    else if (verbatim) events.push({ kind: 'paragraph', text, level: 0, verbatim });
    else {
      const line = lists.line(text);
      events.push(line === undefined ? { kind: 'paragraph', text, level: 0 } : { kind: 'paragraph', text, level: 0, line });
    }
  };

  // An aside that is navigation goes, its blocks with it (the flush at its close wrote the last of them).
  const closeAside = (): void => {
    const aside = asides.pop();
    const parent = asides.at(-1);
    if (aside && isNavigation(aside)) events.splice(aside.start);
    // A kept aside's text is its parent's too: a callout of links inside an aside of a few words is mostly links.
    else if (aside && parent) {
      parent.chars += aside.chars;
      parent.linkChars += aside.linkChars;
      parent.links += aside.links;
    }
  };

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        depth++;
        if (name === 'svg') svgDepth++;
        // Only the document's <title>, not an icon's inside an <svg>.
        if (name === 'title' && svgDepth === 0) inTitle = true;
        if (skips(name, quotes, sectioning)) skipDepth++;
        if (skipDepth > 0) return;
        if (name === 'blockquote') quotes++;
        if (SECTIONING.has(name)) sectioning++;
        if (name === 'a') {
          links++;
          const aside = asides.at(-1);
          if (aside && attribs['href'] !== undefined) aside.links++;
        }
        // A task list's checkbox says whether the item is done: "[x] Back up the database", as Markdown writes it.
        if (name === 'input' && attribs['type']?.toLowerCase() === 'checkbox') addText('checked' in attribs ? '[x] ' : '[ ] ');
        const h = HEADING.exec(name);
        tables.at(-1)?.open(name, h !== null || BLOCK.has(name));
        if (name === 'pre') {
          flush();
          pre++;
        } else if (h) {
          flush();
          heading = Number(h[1]);
        } else if (BLOCK.has(name)) flush();
        else if (name === 'td' || name === 'th') buffer += ' ';
        // After the flush: the table's or list's blocks begin here.
        if (name === 'table') {
          lists.spoil();
          tables.push(new HtmlTable(events.length));
        } else if (name === 'ul' || name === 'ol') {
          const line = lists.open(name, attribs, events.length);
          // The number of an item that opens with a nested list: a line of the list, no text outside it.
          if (line) events.push({ kind: 'paragraph', text: '', level: 0, line });
        } else if (name === 'li') lists.item(attribs);
        else if (name === 'aside') {
          const navigation = attribs['role'] === 'navigation' || NAVIGATION_CLASS.test(attribs['class'] ?? '');
          asides.push({ start: events.length, navigation, chars: 0, linkChars: 0, links: 0 });
        }
      },
      ontext(text) {
        if (inTitle) docTitle += text;
        else if (skipDepth === 0) {
          addText(text);
          const aside = asides.at(-1);
          // A sidebar's heading ("Guides", "On this page") names its links: not counted against them.
          if (aside && heading === 0) {
            const chars = text.replace(/\s+/g, '').length;
            aside.chars += chars;
            if (links > 0) aside.linkChars += chars;
          }
        }
      },
      onclosetag(name) {
        depth--;
        if (name === 'title') inTitle = false;
        if (name === 'svg') svgDepth = Math.max(0, svgDepth - 1);
        // Elements close in order, so a <footer> is skipped at its close as it was at its open.
        if (skips(name, quotes, sectioning)) {
          skipDepth = Math.max(0, skipDepth - 1);
          return;
        }
        if (skipDepth > 0) return;
        if (name === 'blockquote') quotes = Math.max(0, quotes - 1);
        if (SECTIONING.has(name)) sectioning = Math.max(0, sectioning - 1);
        if (name === 'a') links = Math.max(0, links - 1);
        if (HEADING.test(name)) {
          flush();
          heading = 0;
        } else if (BLOCK.has(name)) flush();
        if (name === 'pre') pre = Math.max(0, pre - 1);
        if (name === 'table') {
          const table = tables.pop();
          const text = table?.finish();
          // A data table's rows were paragraphs of their own as the parser went: one paragraph of rows replaces them.
          if (table && text) {
            const caption: HtmlEvent[] = text.caption ? [{ kind: 'paragraph', text: text.caption, level: 0 }] : [];
            events.splice(table.start, events.length - table.start, ...caption, { kind: 'paragraph', text: text.rows.join('\n'), level: 0 });
          }
        } else if (name === 'ul' || name === 'ol') {
          const list = lists.close();
          const blocks = list ? events.slice(list.start) : [];
          // A list whose every block is a line of it: one paragraph of its lines replaces them.
          if (list?.lines && blocks.length > 0 && blocks.every((e) => e.line !== undefined)) {
            const text = blocks.map((e) => (e.line ? lists.write(e.line) : '')).join('\n');
            events.splice(list.start, blocks.length, { kind: 'paragraph', text, level: 0, verbatim: true });
          }
        } else if (name === 'li') lists.endItem();
        else if (name === 'aside') closeAside();
        else tables.at(-1)?.close(name);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  const started = performance.now();
  for (let at = 0; at < html.length; at += SLICE) {
    parser.write(html.slice(at, at + SLICE));
    if (performance.now() - started > budgetMs) {
      throw new UnparsableDocument(`HTML took over ${budgetMs} ms to parse (${depth} elements open at character ${at + SLICE}: nested or left unclosed)`);
    }
  }
  parser.end();
  flush();

  const firstH1 = events.findIndex((e) => e.kind === 'heading' && e.level === 1);
  // A title the client gave wins; the first H1 then stays a section unless it says the same.
  const title = givenTitle ?? (collapse(docTitle) || (firstH1 >= 0 ? (events[firstH1]?.text ?? '') : '') || fallbackTitle);
  const builder = new StructureBuilder(title);
  events.forEach((e, i) => {
    if (i === firstH1 && e.text === title) return;
    if (e.kind === 'heading') builder.heading(e.text, e.level);
    else builder.paragraph(e.text, e.verbatim);
  });
  return builder.root;
}
