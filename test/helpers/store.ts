import type { ChunkText } from '../../src/store/chunker.js';
import type { PreparedDocument } from '../../src/store/sqlite-store.js';
import type { Metadata } from '../../src/core/types.js';

/** A prepared document with one chunk per text, all in the root section unless a heading path is given. */
export function preparedDoc(
  id: string,
  texts: string[],
  options: { title?: string; meta?: Metadata; headingPath?: string[] } = {},
): PreparedDocument {
  const headingPath = options.headingPath ?? [];
  const chunks: ChunkText[] = texts.map((text) => ({ text, headingPath }));
  return {
    id,
    title: options.title ?? id,
    format: 'text',
    meta: options.meta ?? {},
    structure: {
      kind: 'document',
      title: options.title ?? id,
      level: 0,
      children: texts.map((text) => ({ kind: 'paragraph', text, level: 0, children: [] })),
    },
    chunks,
  };
}
