import type { RecordedRequest } from './openai-test-server.js';

/** Playing the model of LLM structuring: what it was shown, and its tree-format answer. */

/** A paragraph as LongRefiner's tree format abbreviates it: its first and last words around "...". */
export function abbreviate(paragraph: string, words = 4): string {
  const w = paragraph.split(/\s+/).filter(Boolean);
  return `${w.slice(0, words).join(' ')}...${w.slice(-words).join(' ')}`;
}

/** The document text of a structuring request (after "Document:" in the user message), its paragraphs split. */
export function shownParagraphs(request: RecordedRequest): string[] {
  const messages = request.body?.messages as Array<{ role: string; content: string }> | undefined;
  const user = messages?.find((m) => m.role === 'user')?.content ?? '';
  const at = user.indexOf('Document:\n');
  return at < 0 ? [] : user.slice(at + 'Document:\n'.length).split('\n\n');
}

/** Whether a request is a structuring request (its system prompt asks for the tree). */
export const isStructuringRequest = (request: RecordedRequest): boolean =>
  ((request.body?.messages as Array<{ content: string }> | undefined)?.[0]?.content ?? '').includes('<sub-section:');

/**
 * A tree-format reply grouping the shown paragraphs into sections by `sectionOf` (null: the abstract), in
 * runs of the same section, each paragraph abbreviated; section titles unquoted.
 */
export function groupedTreeReply(paragraphs: readonly string[], sectionOf: (paragraph: string) => string | null): string {
  const lines: string[] = [];
  let open: string | null | undefined;
  const close = (): void => {
    if (open === undefined) return;
    lines.push(open === null ? '</abstract>' : `</section: ${open}>`);
  };
  for (const p of paragraphs) {
    const section = sectionOf(p);
    if (section !== open) {
      close();
      lines.push(section === null ? '<abstract>' : `<section: ${section}>`);
      open = section;
    }
    lines.push(abbreviate(p));
  }
  close();
  return lines.join('\n');
}
