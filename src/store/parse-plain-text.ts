import type { StructureNode } from '../core/types.js';
import { StructureBuilder, collapse } from './structure.js';
import { segmentLabels, topicBoundaries } from './topic-segments.js';

type Block = { kind: 'heading'; title: string; level: number } | { kind: 'paragraph'; text: string };

/** A long text without headings is split by topic shifts once it has this many words. */
const SEGMENT_MIN_WORDS = 400;

export interface PlainTextOptions {
  /**
   * Divide a long text without headings at its topic shifts (default true). Off when another structurer (the
   * LLM) decides the sections: it is shown the text itself, not labels made up from it.
   */
  topicSections?: boolean;
}

/**
 * Plain text to a structure tree. Paragraphs are separated by blank lines (or, in a long unbroken block such as a
 * Wikipedia dump's, by a double space after a sentence); a short line standing alone, without closing
 * punctuation, that is numbered ("2.1 Methods"), upper case, or underlined (=== / ---) opens a section. A long
 * text with no such heading is divided into sections at its topic shifts (TextTiling over paragraphs), each
 * labelled by its characteristic words.
 */
export function parsePlainText(text: string, title: string, options: PlainTextOptions = {}): StructureNode {
  const blocks = blocksOf(text.replace(/\r\n?/g, '\n'), title);
  const builder = new StructureBuilder(title);
  if (blocks.some((b) => b.kind === 'heading')) {
    for (const b of blocks) {
      if (b.kind === 'heading') builder.heading(b.title, b.level);
      else builder.paragraph(b.text);
    }
    return builder.root;
  }
  const paragraphs = blocks.flatMap((b) => (b.kind === 'paragraph' && b.text.trim().length > 0 ? [b.text] : []));
  const words = paragraphs.reduce((n, p) => n + p.split(/\s+/).length, 0);
  const starts = words >= SEGMENT_MIN_WORDS && options.topicSections !== false ? topicBoundaries(paragraphs) : [];
  if (starts.length === 0) {
    for (const p of paragraphs) builder.paragraph(p);
    return builder.root;
  }
  const cuts = [0, ...starts, paragraphs.length];
  const segments = cuts.slice(0, -1).map((from, i) => paragraphs.slice(from, cuts[i + 1]));
  const labels = segmentLabels(segments);
  segments.forEach((seg, i) => {
    builder.heading(labels[i] || `Part ${i + 1}`, 1);
    for (const p of seg) builder.paragraph(p);
  });
  return builder.root;
}

function blocksOf(text: string, title: string): Block[] {
  const out: Block[] = [];
  const raw = text.split(/\n[ \t]*\n+/);
  raw.forEach((block, index) => {
    let lines = block.split('\n');
    // A dump that repeats the title on its first line: the title is the document's already.
    if (index === 0 && lines.length > 1 && collapse(lines[0] ?? '') === collapse(title)) lines = lines.slice(1);
    const first = lines[0]?.trim() ?? '';
    const underline = lines.length === 2 ? /^(=+|-+)$/.exec(lines[1]?.trim() ?? '') : null;
    if (underline) {
      out.push({ kind: 'heading', title: first, level: underline[1]?.startsWith('=') ? 1 : 2 });
      return;
    }
    const heading = headingOf(first);
    if (heading) {
      out.push({ kind: 'heading', title: heading.title, level: heading.level });
      out.push({ kind: 'paragraph', text: lines.slice(1).join('\n') });
    } else for (const p of splitRunOn(unwrap(lines.join('\n')))) out.push({ kind: 'paragraph', text: p });
  });
  return out;
}

/**
 * A long block with no line breaks is a dump that lost its layout (Wikipedia extracts): where it kept paragraph
 * breaks as a double space after a sentence, split there; where it kept none, cut it into runs of whole sentences
 * of about `PSEUDO_PARAGRAPH_WORDS` words (TextTiling's token sequences), so it can still be scored and segmented
 * by parts. Short blocks are left alone, since some writers put two spaces after every sentence.
 */
function splitRunOn(block: string): string[] {
  if (block.length < 2000 || block.includes('\n')) return [block];
  const parts = block.split(/(?<=[.!?:;)"'\u201d\]])[ \t\u00a0]{2,}(?=\S)/);
  return (parts.length >= 3 ? parts : [block]).flatMap((p) => (p.length >= 2000 ? sentenceRuns(p) : [p]));
}

const PSEUDO_PARAGRAPH_WORDS = 120;

function sentenceRuns(text: string): string[] {
  const sentences = text.split(/(?<=[.!?]["')\]\u201d]?)\s+(?=["'(\[\u201c]?\p{Lu})/u);
  const out: string[] = [];
  let run: string[] = [];
  let words = 0;
  for (const s of sentences) {
    run.push(s);
    words += s.split(/\s+/).length;
    if (words >= PSEUDO_PARAGRAPH_WORDS) {
      out.push(run.join(' '));
      run = [];
      words = 0;
    }
  }
  if (run.length > 0) {
    // A short tail joins the run before it rather than stand as a paragraph of its own.
    if (words < PSEUDO_PARAGRAPH_WORDS / 3 && out.length > 0) out[out.length - 1] = `${out[out.length - 1] ?? ''} ${run.join(' ')}`;
    else out.push(run.join(' '));
  }
  return out;
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
