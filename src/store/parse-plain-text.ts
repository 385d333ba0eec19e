import type { StructureNode } from '../core/types.js';
import { StructureBuilder } from './structure.js';

/**
 * Plain text to a structure tree. Paragraphs are separated by blank lines; a short line standing alone, without
 * closing punctuation, that is numbered ("2.1 Methods"), upper case, or underlined (=== / ---) opens a section.
 */
export function parsePlainText(text: string, title: string): StructureNode {
  const builder = new StructureBuilder(title);
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n+/);
  for (const block of blocks) {
    const lines = block.split('\n');
    const first = lines[0]?.trim() ?? '';
    const underline = lines.length === 2 ? /^(=+|-+)$/.exec(lines[1]?.trim() ?? '') : null;
    if (underline) {
      builder.heading(first, underline[1]?.startsWith('=') ? 1 : 2);
      continue;
    }
    const heading = headingOf(first);
    if (heading && lines.length >= 1) {
      builder.heading(heading.title, heading.level);
      builder.paragraph(lines.slice(1).join('\n'));
    } else builder.paragraph(unwrap(block));
  }
  return builder.root;
}

/** Joins hard-wrapped lines of prose; keeps line breaks before list items and in blocks of short lines. */
function unwrap(block: string): string {
  const lines = block.split('\n');
  if (lines.length < 2) return block;
  const listLike = /^\s*([-*•]|\d+[.)])\s/;
  const long = lines.filter((l) => l.trim().length >= 40).length;
  if (long < lines.length / 2) return block;
  return lines.reduce((out, line, i) => (i === 0 ? line : `${out}${listLike.test(line) ? '\n' : ' '}${line.trim()}`), '');
}

function headingOf(line: string): { title: string; level: number } | null {
  if (line.length === 0 || line.length > 80 || /[.!?,;:]$/.test(line)) return null;
  const numbered = /^(\d+(?:\.\d+)*)\.?\s+(\p{Lu}.*)$/u.exec(line);
  if (numbered) return { title: line, level: (numbered[1] ?? '').split('.').filter(Boolean).length };
  const letters = line.replace(/[^\p{L}]/gu, '');
  if (letters.length >= 3 && letters === letters.toUpperCase() && /\p{Lu}/u.test(letters) && line.split(/\s+/).length <= 8) {
    return { title: line, level: 1 };
  }
  return null;
}
