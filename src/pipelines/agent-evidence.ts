import type { Passage, ScoredChunk } from '../core/types.js';
import { PASSAGE_ID } from './agent-tools.js';

/** Words of a passage a search result shows; `read` gives the rest. */
const SNIPPET_WORDS = 60;

/**
 * Every passage the agent has been shown, in the order first shown, each named p1, p2, ... so the LLM can read and
 * cite it. The same chunk shown twice keeps its first name. The list is the pipeline's passages, and a passage's
 * name is its [n] citation number with a "p" before it.
 */
export class AgentEvidence {
  private readonly list: Passage[] = [];
  private readonly byChunk = new Map<string, number>();

  /** Adds the passages not shown before; returns every one's id. */
  add(passages: readonly Passage[]): string[] {
    return passages.map((p) => {
      let at = this.byChunk.get(p.chunkId);
      if (at === undefined) {
        at = this.list.push(p) - 1;
        this.byChunk.set(p.chunkId, at);
      }
      return `p${at + 1}`;
    });
  }

  get(id: string): Passage | undefined {
    return PASSAGE_ID.test(id) ? this.list[Number(id.slice(1)) - 1] : undefined;
  }

  /** The [n] number of a passage id; undefined for an id never given out. */
  numberOf(id: string): number | undefined {
    return this.get(id) === undefined ? undefined : Number(id.slice(1));
  }

  get size(): number {
    return this.list.length;
  }

  all(): Passage[] {
    return [...this.list];
  }

  /** The passages of one document, as chunks to select from again (a read of a document nothing else matched in). */
  chunksOf(docId: string): ScoredChunk[] {
    return this.list.filter((p) => p.docId === docId).map(chunkOf);
  }

  /** Search results as the LLM reads them: id, where from, and the start of the text. */
  describeHits(ids: readonly string[]): string {
    return ids.map((id) => this.describe(id, snippet(this.get(id)?.text ?? ''))).join('\n\n');
  }

  /** Read results: the passages whole. */
  describeWhole(ids: readonly string[]): string {
    return ids.map((id) => this.describe(id, this.get(id)?.text.trim() ?? '')).join('\n\n');
  }

  private describe(id: string, text: string): string {
    const p = this.get(id);
    const where = [p?.title, ...(p?.headingPath ?? [])].filter((s): s is string => Boolean(s && s.trim())).join(' > ');
    return `[${id}]${where ? ` ${where}` : ''} (document: ${p?.docId ?? '?'})\n${text}`;
  }
}

function snippet(text: string): string {
  const words = text.trim().split(/\s+/);
  return words.length <= SNIPPET_WORDS ? words.join(' ') : `${words.slice(0, SNIPPET_WORDS).join(' ')} …`;
}

function chunkOf(p: Passage): ScoredChunk {
  const chunk: ScoredChunk = { id: p.chunkId, docId: p.docId, text: p.text, score: p.score, source: 'agent' };
  if (p.title !== undefined) chunk.title = p.title;
  if (p.headingPath !== undefined) chunk.headingPath = p.headingPath;
  return chunk;
}
