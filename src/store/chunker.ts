import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import type { StructureNode } from '../core/types.js';
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
    for (const section of sectionsOf(structure)) {
      const text = section.paragraphs.join('\n\n');
      // Most sections fit whole; the splitter's work is only needed for the long ones.
      const pieces = text.length <= this.chunkSize ? [text] : await this.splitter.splitText(text);
      for (const piece of pieces) {
        const trimmed = piece.trim();
        if (trimmed.length > 0) out.push({ text: trimmed, headingPath: section.headingPath });
      }
    }
    return out;
  }
}
