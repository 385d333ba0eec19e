import type { DocumentFormat, StructureNode } from '../core/types.js';
import { parseHtml } from './parse-html.js';
import { parseMarkdown } from './parse-markdown.js';
import { parsePlainText, type PlainTextOptions } from './parse-plain-text.js';

/** The rule-based structure of a document: its markup's headings, or for plain text its heading lines and topics. */
export function structureOf(text: string, format: DocumentFormat, title: string, options: PlainTextOptions = {}): StructureNode {
  switch (format) {
    case 'markdown':
      return parseMarkdown(text, title);
    case 'html':
      return parseHtml(text, title);
    case 'text':
      return parsePlainText(text, title, options);
  }
}
