import type { StructureNode } from '../core/types.js';

/** The id a refined node goes by: its document and its path in the tree ("doc-7#2.0.1"). */
export const nodeId = (docId: string, path: string): string => `${docId}#${path.length > 0 ? path : 'doc'}`;

/** A document handed to the refiner: its id, title and stored structure tree. */
export interface RefineDocument {
  docId: string;
  title: string;
  structure: StructureNode;
}

/**
 * One node of the request's forest, flattened: documents, sections, paragraphs, and the units a long paragraph is
 * cut into. `path` is the node's position ("2.0.1": third child, first child, second child) so a passage can name it.
 */
export interface RefineNode {
  index: number;
  /** Its document and path ("doc-7#2.0.1"): what a passage of it is cited by, and what caches key it by. */
  id: string;
  doc: number;
  kind: 'document' | 'section' | 'paragraph' | 'unit';
  path: string;
  parent: number | null;
  children: number[];
  /** Section titles from the document down to this node (the document title excluded). */
  headingPath: string[];
  /** Leaves only: the text scored and emitted. */
  text: string;
  /** Order of the node in its document (pre-order), for emitting in document order. */
  order: number;
}

export interface RefineForest {
  documents: RefineDocument[];
  nodes: RefineNode[];
  /** Indexes of the leaves (paragraphs, or units of long ones), in document order. */
  leaves: number[];
}

/**
 * Flattens the documents' trees into one array. A paragraph longer than `maxUnitWords` is cut into runs of whole
 * sentences (its units) so a budget can take part of it; the paragraph stays their parent. Empty sections and
 * documents stay as nodes without leaves, and are never emitted.
 */
export function buildForest(
  documents: readonly RefineDocument[],
  maxUnitWords: number,
  /** Cuts a paragraph into units; a caller may memoise it by the paragraph's key (document id and path). */
  split: (key: string, text: string) => string[] = (_key, text) => splitUnits(text, maxUnitWords),
): RefineForest {
  const nodes: RefineNode[] = [];
  const leaves: number[] = [];
  documents.forEach((document, doc) => {
    let order = 0;
    const add = (node: StructureNode, kind: RefineNode['kind'], path: string, parent: number | null, headingPath: string[]): number => {
      const index = nodes.length;
      const own: RefineNode = { index, id: nodeId(document.docId, path), doc, kind, path, parent, children: [], headingPath, text: '', order: order++ };
      nodes.push(own);
      if (parent !== null) nodes[parent]?.children.push(index);
      if (node.kind === 'paragraph') {
        const text = node.text ?? '';
        const units = split(own.id, text);
        if (units.length <= 1) {
          if (text.trim().length > 0) {
            own.text = text;
            leaves.push(index);
          }
        } else {
          units.forEach((unit, i) => {
            const u = nodes.length;
            const unitPath = `${path}.${i}`;
            nodes.push({ index: u, id: nodeId(document.docId, unitPath), doc, kind: 'unit', path: unitPath, parent: index, children: [], headingPath, text: unit, order: order++ });
            own.children.push(u);
            leaves.push(u);
          });
        }
        return index;
      }
      node.children.forEach((child, i) => {
        const childPath = path.length > 0 ? `${path}.${i}` : String(i);
        const childHeadings = child.kind === 'section' && child.title ? [...headingPath, child.title] : headingPath;
        add(child, child.kind === 'section' ? 'section' : child.kind === 'paragraph' ? 'paragraph' : 'section', childPath, index, childHeadings);
      });
      return index;
    };
    add(document.structure, 'document', '', null, []);
  });
  return { documents: [...documents], nodes, leaves };
}

/** Runs of whole sentences of about `maxWords` words; a text no longer than that is one unit. */
export function splitUnits(text: string, maxWords: number): string[] {
  const words = text.split(/\s+/).filter(Boolean).length;
  if (words <= maxWords) return [text];
  const sentences = text.split(/(?<=[.!?]["')\]\u201d]?)\s+(?=\S)/u);
  const out: string[] = [];
  let run: string[] = [];
  let count = 0;
  for (const sentence of sentences) {
    const n = sentence.split(/\s+/).filter(Boolean).length;
    if (count > 0 && count + n > maxWords) {
      out.push(run.join(' '));
      run = [];
      count = 0;
    }
    // A sentence longer than a unit (a table flattened to one line, a 5 MB paragraph) is cut at word boundaries.
    if (n > maxWords * 2) {
      const ws = sentence.split(/\s+/).filter(Boolean);
      for (let i = 0; i < ws.length; i += maxWords) out.push(ws.slice(i, i + maxWords).join(' '));
      continue;
    }
    run.push(sentence);
    count += n;
  }
  if (run.length > 0) out.push(run.join(' '));
  return out;
}
