import type { DocumentFormat, StructureNode } from '../core/types.js';
import type { PlainTextOptions } from './parse-plain-text.js';
import { structureOf } from './rule-structure.js';
import { UnparsableDocument } from './unparsable-document.js';

/** One document to structure by the rules, sent to a worker thread. */
export interface StructureTask {
  text: string;
  format: DocumentFormat;
  title: string;
  options: PlainTextOptions;
  givenTitle?: string;
}

/** A class does not survive the thread boundary, so a refused document comes back as data. */
export type StructureTaskResult = { tree: StructureNode } | { unparsable: string };

/** Piscina's entry point in the worker thread: the same rules as on the main thread. */
export default function structureTask(task: StructureTask): StructureTaskResult {
  try {
    return { tree: structureOf(task.text, task.format, task.title, task.options, task.givenTitle) };
  } catch (err) {
    if (err instanceof UnparsableDocument) return { unparsable: err.message };
    throw err;
  }
}
