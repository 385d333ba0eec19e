import type { StructureNode } from '../core/types.js';

/** A unit of a document's text as the model is shown it: a paragraph, or a heading line the rules found. */
export interface SourceItem {
  text: string;
  heading: boolean;
}

/** A tree's section titles and paragraphs, in document order (the document's own title is not an item). */
export function sourceItems(root: StructureNode): SourceItem[] {
  const out: SourceItem[] = [];
  const walk = (node: StructureNode): void => {
    for (const child of node.children) {
      if (child.kind === 'paragraph') {
        if ((child.text ?? '').trim().length > 0) out.push({ text: child.text ?? '', heading: false });
      } else {
        if ((child.title ?? '').trim().length > 0) out.push({ text: child.title ?? '', heading: true });
        walk(child);
      }
    }
  };
  walk(root);
  return out;
}

/** Characters [from, to) of one item. */
export interface ItemSlice {
  item: number;
  from: number;
  to: number;
}

/** One model call's share of a document: whole items, or slices of an item longer than a window. */
export interface StructureWindow {
  slices: ItemSlice[];
  /** What the model is shown: the slices, a blank line between them. */
  text: string;
}

/**
 * Cuts a document's items into windows of at most `windowChars` characters, at item boundaries; an item longer
 * than a window is cut at a space (or anywhere, in a text without spaces) into window-sized slices.
 */
export function structureWindows(items: readonly SourceItem[], windowChars: number): StructureWindow[] {
  const slices: ItemSlice[] = [];
  items.forEach((it, item) => {
    for (let from = 0; from < it.text.length; ) {
      const to = cutPoint(it.text, from, windowChars);
      slices.push({ item, from, to });
      from = to;
    }
  });
  const windows: StructureWindow[] = [];
  let open: ItemSlice[] = [];
  let chars = 0;
  const close = (): void => {
    if (open.length === 0) return;
    windows.push({ slices: open, text: open.map((s) => (items[s.item]?.text ?? '').slice(s.from, s.to).trim()).join('\n\n') });
    open = [];
    chars = 0;
  };
  for (const s of slices) {
    const length = s.to - s.from;
    if (open.length > 0 && chars + 2 + length > windowChars) close();
    open.push(s);
    chars += (open.length > 1 ? 2 : 0) + length;
  }
  close();
  return windows;
}

/** Where a slice of at most `size` characters starting at `from` ends: after the last space in it, if any. */
function cutPoint(text: string, from: number, size: number): number {
  if (text.length - from <= size) return text.length;
  let to = from + size;
  const space = text.slice(from + Math.floor(size / 2), to).search(/\s\S*$/);
  if (space >= 0) to = from + Math.floor(size / 2) + space + 1;
  // Never between the two halves of a surrogate pair.
  else if (/[\udc00-\udfff]/.test(text[to] ?? '')) to--;
  return to;
}
