import { withoutInvisibleMarks } from '../core/invisible-marks.js';
import type { StructureNode } from '../core/types.js';

/** Builds a structure tree from a flat run of headings and paragraphs, nesting sections by heading level. */
export class StructureBuilder {
  readonly root: StructureNode;
  private readonly stack: StructureNode[];

  constructor(title: string) {
    this.root = { kind: 'document', title, level: 0, children: [] };
    this.stack = [this.root];
  }

  heading(title: string, level: number): void {
    const clean = collapse(withoutInvisibleMarks(title));
    if (clean.length === 0) return;
    while (this.stack.length > 1 && (this.stack[this.stack.length - 1]?.level ?? 0) >= level) this.stack.pop();
    const node: StructureNode = { kind: 'section', title: clean, level, children: [] };
    this.current().children.push(node);
    this.stack.push(node);
  }

  /**
   * `verbatim` for preformatted text (a code block, HTML's <pre>): its indentation is its structure (Python, YAML),
   * so only trailing blanks and the blank lines around it go; prose has its runs of blanks collapsed.
   */
  paragraph(text: string, verbatim = false): void {
    // After the markup's entities are decoded (HTML's &shy;): marks inside words would split them into two terms.
    const unmarked = withoutInvisibleMarks(text);
    const clean = verbatim
      ? unmarked.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').replace(/^\n+|\s+$/g, '')
      : unmarked.replace(/[ \t]+/g, ' ').replace(/\n{3,}/g, '\n\n').trim();
    if (clean.length === 0) return;
    const parent = this.current();
    parent.children.push({ kind: 'paragraph', text: clean, level: parent.level, children: [] });
  }

  private current(): StructureNode {
    return this.stack[this.stack.length - 1] ?? this.root;
  }
}

export const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** A run of paragraphs under one heading path, in document order: the unit the chunker splits. */
export interface SectionText {
  headingPath: string[];
  paragraphs: string[];
}

/** Walks the tree in document order and yields each section's own paragraphs with its heading path. */
export function sectionsOf(root: StructureNode, options: { headingOnly?: boolean } = {}): SectionText[] {
  const out: SectionText[] = [];
  const walk = (node: StructureNode, path: string[]): void => {
    let run: string[] = [];
    const flush = (): void => {
      if (run.length > 0) out.push({ headingPath: path, paragraphs: run });
      run = [];
    };
    for (const child of node.children) {
      if (child.kind === 'paragraph') run.push(child.text ?? '');
      else {
        flush();
        const childPath = [...path, child.title ?? ''];
        // `headingOnly`: a heading with nothing under it (an outline's entry) is a section of its own words.
        if (options.headingOnly && child.children.length === 0 && (child.title ?? '').trim()) out.push({ headingPath: childPath, paragraphs: [child.title ?? ''] });
        else walk(child, childPath);
      }
    }
    flush();
  };
  walk(root, []);
  return out;
}

/** All paragraph text of a tree, in order (used to check nothing was lost in structuring). */
export function plainText(root: StructureNode): string {
  return sectionsOf(root)
    .flatMap((s) => s.paragraphs)
    .join('\n\n');
}
