import { Lexer, type Token, type Tokens } from 'marked';
import type { StructureNode } from '../core/types.js';
import { StructureBuilder, collapse } from './structure.js';

/** Markdown to a structure tree: ATX/Setext headings open sections, every other block is a paragraph. */
export function parseMarkdown(markdown: string, fallbackTitle: string): StructureNode {
  const tokens = new Lexer({ gfm: true }).lex(markdown);
  const firstH1 = tokens.find((t): t is Tokens.Heading => t.type === 'heading' && t.depth === 1);
  const builder = new StructureBuilder(firstH1 ? plain(firstH1.text) : fallbackTitle);
  for (const token of tokens) {
    if (token === firstH1) continue;
    if (token.type === 'heading') builder.heading(plain((token as Tokens.Heading).text), (token as Tokens.Heading).depth);
    else if (token.type !== 'space' && token.type !== 'hr' && token.type !== 'def') builder.paragraph(blockText(token));
  }
  return builder.root;
}

function blockText(token: Token): string {
  switch (token.type) {
    case 'code':
      return (token as Tokens.Code).text;
    case 'list':
      return (token as Tokens.List).items.map((i) => `- ${plain(i.text)}`).join('\n');
    case 'table': {
      const t = token as Tokens.Table;
      const row = (cells: Tokens.TableCell[]): string => cells.map((c) => plain(c.text)).join(' | ');
      return [row(t.header), ...t.rows.map(row)].join('\n');
    }
    case 'html':
      return collapse((token as Tokens.HTML).text.replace(/<[^>]*>/g, ' '));
    default:
      return plain('text' in token && typeof token.text === 'string' ? token.text : token.raw);
  }
}

/** Inline Markdown to readable text: keep link text and code, drop emphasis marks and images' syntax. */
function plain(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__)(.*?)\1/g, '$2')
    .replace(/(^|[^\w*])[*_]([^*_\n]+)[*_](?=[^\w*]|$)/g, '$1$2')
    .replace(/<[^>]+>/g, '')
    .trim();
}
