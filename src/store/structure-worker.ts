import type { DocumentFormat, StructureNode } from '../core/types.js';
import { Chunker, type ChunkerOptions, type ChunkText } from './chunker.js';
import type { PlainTextOptions } from './parse-plain-text.js';
import { structureOf } from './rule-structure.js';
import { UnparsableDocument } from './unparsable-document.js';

/** One document to structure by the rules, sent to a worker thread. */
export interface StructureTask {
  kind?: 'structure';
  text: string;
  format: DocumentFormat;
  title: string;
  options: PlainTextOptions;
  givenTitle?: string;
}

/** One document's tree to cut into chunks, sent to a worker thread. */
export interface ChunkTask {
  kind: 'chunk';
  structure: StructureNode;
  chunking: ChunkerOptions;
}

/** A class does not survive the thread boundary, so a refused document comes back as data. */
export type StructureTaskResult = { tree: StructureNode } | { unparsable: string } | { chunks: ChunkText[] };

/** Piscina's entry point in the worker thread: the same rules and the same chunker as on the main thread. */
export default async function structureTask(task: StructureTask | ChunkTask): Promise<StructureTaskResult> {
  if (task.kind === 'chunk') return { chunks: await new Chunker(task.chunking).chunk(task.structure) };
  try {
    return { tree: structureOf(task.text, task.format, task.title, task.options, task.givenTitle) };
  } catch (err) {
    if (err instanceof UnparsableDocument) return { unparsable: err.message };
    throw err;
  }
}
