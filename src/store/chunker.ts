import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import type { StructureNode } from '../core/types.js';
import { tableHeader } from '../core/table-row.js';
import { sectionsOf } from './structure.js';

export interface ChunkText {
  text: string;
  headingPath: string[];
}

export interface ChunkerOptions {
  chunkSize: number;
  chunkOverlap: number;
}

/**
 * Splits a document section by section, so no chunk straddles two headings and each keeps its heading path.
 * Within a section, LangChain's recursive splitter breaks at paragraphs, then lines, then sentences, then words.
 */
export class Chunker {
  private readonly splitter: RecursiveCharacterTextSplitter;
  private readonly chunkSize: number;

  constructor(options: ChunkerOptions) {
    this.chunkSize = options.chunkSize;
    this.splitter = new RecursiveCharacterTextSplitter({
      chunkSize: options.chunkSize,
      chunkOverlap: options.chunkOverlap,
      separators: ['\n\n', '\n', '. ', '? ', '! ', '; ', ', ', ' ', ''],
    });
  }

  async chunk(structure: StructureNode): Promise<ChunkText[]> {
    const out: ChunkText[] = [];
    // A heading with no text under it ("## Phase two: Kilimanjaro rollout" of an outline) is a chunk of its words:
    // without one, it was stored and never found.
    for (const section of sectionsOf(structure, { headingOnly: true })) {
      const text = section.paragraphs.join('\n\n');
      // Most sections fit whole; the splitter's work is only needed for the long ones.
      const pieces = text.length <= this.chunkSize ? [text] : await this.splitter.splitText(text);
      const tables = pieces.length > 1 ? section.paragraphs.flatMap((p) => tableRows(p)) : [];
      for (const piece of pieces) {
        const trimmed = piece.trim();
        if (trimmed.length > 0) out.push({ text: withHeader(trimmed, tables), headingPath: section.headingPath });
      }
    }
    return out;
  }
}

/** A table paragraph's header row, and its other rows. */
interface TableRows {
  header: string;
  rows: ReadonlySet<string>;
}

function tableRows(paragraph: string): TableRows[] {
  const header = tableHeader(paragraph);
  return header === undefined ? [] : [{ header, rows: new Set(paragraph.split('\n').slice(1)) }];
}

/**
 * A chunk that opens in the middle of a table gets the table's header row back above its rows: a row means what its
 * header says ("3000" under "default"), and without it a reader took the chunk's first row for the header.
 */
function withHeader(piece: string, tables: readonly TableRows[]): string {
  if (tables.length === 0) return piece;
  const first = piece.split('\n', 1)[0] ?? '';
  const table = tables.find((t) => t.rows.has(first));
  return table === undefined ? piece : `${table.header}\n${piece}`;
}
