import type { DocumentFormat, StructureNode } from '../core/types.js';
import { parseHtml } from './parse-html.js';
import { parseMarkdown } from './parse-markdown.js';
import { parsePlainText, type PlainTextOptions } from './parse-plain-text.js';

/**
 * The rule-based structure of a document: its markup's headings, or for plain text its heading lines and topics.
 * `title` is the fallback when the text names none; `givenTitle`, the client's, wins over the text's own.
 */
export function structureOf(text: string, format: DocumentFormat, title: string, options: PlainTextOptions = {}, givenTitle?: string): StructureNode {
  switch (format) {
    case 'markdown':
      return parseMarkdown(text, title, givenTitle);
    case 'html':
      return parseHtml(text, title, undefined, givenTitle);
    case 'text':
      return parsePlainText(text, givenTitle ?? title, options);
  }
}
