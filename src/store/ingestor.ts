import { setImmediate as nextTurn } from 'node:timers/promises';
import { RagError } from '../core/errors.js';
import { longerThan } from '../core/char-count.js';
import { RunContext } from '../core/run-context.js';
import type { DocumentFormat, DocumentInput, StructureNode } from '../core/types.js';
import type { Embedder } from '../models/embedder.js';
import { Chunker, type ChunkerOptions } from './chunker.js';
import { spaceOf, type EmbeddingSpace } from './embedding-space.js';
import type { LlmTreeStructurer } from './llm-tree-structurer.js';
import type { PlainTextOptions } from './parse-plain-text.js';
import { passageText } from './passage-text.js';
import { passageVectors } from './passage-vectors.js';
import { structureOf } from './rule-structure.js';
import type { StructurePool } from './structure-pool.js';
import { structureReport, type StructureReport, type StructuredBy } from './structure-report.js';
import { UnparsableDocument } from './unparsable-document.js';
import { whileBusy } from './while-busy.js';
import type { PreparedDocument, SqliteStore, UpsertResult } from './sqlite-store.js';

export interface IngestorOptions extends ChunkerOptions {
  maxDocumentChars: number;
  /** When set, every chunk is embedded at ingestion and its vector stored with it. The embedder must be loaded. */
  embedder?: Embedder;
  /** Chunks per embedder call (default 32): bounds the memory of one call and lets an abort stop between calls. */
  embedBatchSize?: number;
  /** When set (`refiner.structure: llm`), documents are structured by the LLM, the rules being the fallback. */
  structurer?: LlmTreeStructurer;
  /** When set, large documents are parsed in its worker threads, so the event loop stays free for other requests. */
  structurePool?: StructurePool;
}

/** An ingestion's outcome; `structure` says which structurer built the trees, when an LLM is configured for it. */
export interface IngestOutcome extends UpsertResult {
  structure?: StructureReport;
  /** Ids of `skipEmpty` documents left out: they held no text once parsed. */
  skippedIds?: string[];
}

export interface PrepareOptions {
  /**
   * Ids of documents to leave out when they hold no text once parsed, rather than refuse the batch for them: the
   * pages a folder's walk found (a redirect page, a section index of front matter only).
   */
  skipEmpty?: ReadonlySet<string>;
  /** How errors name a document of the batch, by its index: where it came from ("rows.jsonl:3"); else "document N". */
  name?: (index: number) => string | undefined;
}

/** A document that passed validation, before structuring. */
interface AcceptedInput {
  /** Its place in the batch, for the error that names it. */
  index: number;
  input: DocumentInput;
  format: DocumentFormat;
  /** The title the client gave, if any. */
  title: string | undefined;
  /** The title the rules fall back on: the id's last part. */
  fallbackTitle: string;
}

const MAX_ID_CHARS = 512;
/** A character that shows: not white space, a control character or a format character (zero-width, BOM). */
const VISIBLE = /[^\s\p{Cc}\p{Cf}]/u;

/** Why a document whose text is not blank is still empty once parsed, by format. */
const EMPTY_AFTER_PARSING: Record<DocumentFormat, string> = {
  text: 'text is empty (only invisible characters: soft hyphens, zero-width joiners, byte order marks)',
  markdown: 'text is empty once parsed as Markdown (only comments, link definitions, front matter or rules)',
  html: 'text is empty once parsed as HTML (only scripts, styles, navigation, footers, comments or empty elements)',
};
const FORMATS: readonly DocumentFormat[] = ['text', 'markdown', 'html'];

/**
 * Turns raw documents into stored ones: validate, structure (headings -> tree), chunk, embed (with an embedder),
 * then write the whole batch in one transaction. Everything that can fail happens before the write, so a bad
 * document or a failing embedder stores nothing.
 */
export class Ingestor {
  private readonly chunker: Chunker;

  constructor(
    /** null for an ingestor that only prepares documents, for a store of another kind (OpenSearch). */
    private readonly store: SqliteStore | null,
    private readonly options: IngestorOptions,
  ) {
    this.chunker = new Chunker(options);
  }

  async ingest(inputs: DocumentInput[], ctx?: RunContext, options: PrepareOptions = {}): Promise<IngestOutcome> {
    const store = this.store;
    if (!store) throw new RagError('INTERNAL', 'this ingestor prepares documents only: it has no store to write to');
    const prepared = ctx
      ? await ctx.span('ingest.prepare', () => this.prepare(inputs, ctx, options), (p) => ({ documents: p.length }))
      : await this.prepare(inputs, undefined, options);
    const space = await this.embedPrepared(prepared, ctx);
    const write = (): Promise<UpsertResult> => whileBusy(() => store.upsert(prepared, space), ctx);
    const written = ctx ? await ctx.span('ingest.write', write, (r) => ({ chunks: r.chunks })) : await write();
    const structure = structureReport(prepared);
    const skippedIds = skippedOf(inputs, prepared);
    return { ...written, ...(structure ? { structure } : {}), ...(skippedIds.length > 0 ? { skippedIds } : {}) };
  }

  /**
   * With an embedder, embeds every chunk of prepared documents (attaching the vectors) and returns the embedding
   * space they are in, which the store records; without one, undefined. Every backend's ingestion goes through it,
   * so the store of record always gets its vectors.
   */
  async embedPrepared(prepared: PreparedDocument[], ctx?: RunContext): Promise<EmbeddingSpace | undefined> {
    const { embedder } = this.options;
    if (!embedder) return undefined;
    // The embedder needs a context for its spans and abort checks even when the caller brought none.
    const embedCtx = ctx ?? new RunContext();
    const space = spaceOf(embedder);
    await embedCtx.span('ingest.embed', () => this.embed(prepared, embedder, embedCtx), (n) => ({ chunks: n, model: embedder.name }));
    return space;
  }

  /**
   * Embeds every chunk of the batch (title, heading path and text, as passages) and attaches the vectors to their
   * documents; returns the number of chunks. A failure names the embedder and says that nothing was stored.
   */
  private async embed(docs: PreparedDocument[], embedder: Embedder, ctx: RunContext): Promise<number> {
    const texts = docs.flatMap((doc) => doc.chunks.map((c) => passageText({ title: doc.title, headingPath: c.headingPath, text: c.text })));
    const vectors = await passageVectors(embedder, texts, this.options.embedBatchSize ?? 32, ctx);
    let next = 0;
    for (const doc of docs) {
      doc.vectors = vectors.slice(next, next + doc.chunks.length);
      next += doc.chunks.length;
    }
    return texts.length;
  }

  async prepare(inputs: DocumentInput[], ctx?: RunContext, options: PrepareOptions = {}): Promise<PreparedDocument[]> {
    const seen = new Set<string>();
    const accepted: AcceptedInput[] = [];
    for (const [index, input] of inputs.entries()) {
      if (index % 256 === 0) ctx?.check('ingest');
      const reason = this.invalidReason(input, seen);
      if (reason !== null) throw invalidDocument(index, input, reason, options.name);
      seen.add(input.id);
      // A title the client gives wins; otherwise the document's own (first H1, <title>), else its id's last part.
      accepted.push({ index, input, format: input.format ?? 'text', title: input.title?.trim() || undefined, fallbackTitle: input.id.split('/').pop() || input.id });
    }
    const structured = await this.structure(accepted, options, ctx);
    const out: PreparedDocument[] = [];
    for (const [i, { input, format, title }] of accepted.entries()) {
      if (i > 0) await betweenDocuments(ctx);
      const tree = structured[i];
      if (!tree) continue;
      const { structure, structuredBy } = tree;
      if (title) structure.title = title;
      // A document parsed in a thread is cut in one too: the splitter's work grows with its length as the parse's does.
      const pool = this.options.structurePool;
      const chunks = pool?.takes(input.text) ? await fromThread(pool.chunk(structure, this.options, ctx?.signal), ctx) : await this.chunker.chunk(structure);
      // A title-only document is still findable by its title.
      if (chunks.length === 0) chunks.push({ text: structure.title ?? input.id, headingPath: [] });
      const doc: PreparedDocument = { id: input.id, title: structure.title ?? input.id, format, meta: input.meta ?? {}, structure, chunks };
      if (structuredBy) doc.structuredBy = structuredBy;
      out.push(doc);
    }
    return out;
  }

  /**
   * The documents' trees: by the rules, or with a structurer by the LLM over the rule-based tree without its
   * made-up topic sections, and by the rules for each document the LLM's tree could not be used for (for markup,
   * that is the tree the LLM was shown: topic sections are for plain text only).
   */
  private async structure(
    docs: readonly AcceptedInput[],
    { skipEmpty, name }: PrepareOptions,
    ctx?: RunContext,
  ): Promise<Array<{ structure: StructureNode; structuredBy?: StructuredBy } | null>> {
    // null: a document of `skipEmpty` that holds no text once parsed, left out.
    const rules = async (d: AcceptedInput, options: PlainTextOptions = {}): Promise<StructureNode | null> => {
      const pool = this.options.structurePool;
      // Markup without a title of its own (<title>, a first H1) then gets none, so that an empty tree says so.
      const fallback = d.format === 'text' ? d.fallbackTitle : '';
      let tree: StructureNode;
      try {
        tree = pool?.takes(d.input.text)
          ? await fromThread(pool.structure(d.input.text, d.format, fallback, options, ctx?.signal, d.title), ctx)
          : structureOf(d.input.text, d.format, fallback, options, d.title);
      } catch (err) {
        if (err instanceof UnparsableDocument) throw invalidDocument(d.index, d.input, err.message, name);
        throw err;
      }
      // A tree with neither text nor a title of its own was stored as one chunk holding the id: refused as blank text is.
      const untitled = d.title === undefined && (d.format === 'text' || !tree.title);
      if (untitled && tree.children.length === 0) {
        if (skipEmpty?.has(d.input.id)) return null;
        throw invalidDocument(d.index, d.input, EMPTY_AFTER_PARSING[d.format], name);
      }
      tree.title ||= d.fallbackTitle;
      return tree;
    };
    const { structurer } = this.options;
    if (!structurer) {
      const trees: Array<{ structure: StructureNode } | null> = [];
      for (const [i, d] of docs.entries()) {
        if (i > 0) await betweenDocuments(ctx);
        const tree = await rules(d);
        trees.push(tree && { structure: tree });
      }
      return trees;
    }
    const tasks: Array<{ id: string; title: string; source: StructureNode; doc: number }> = [];
    for (const [i, d] of docs.entries()) {
      if (i > 0) await betweenDocuments(ctx);
      const source = await rules(d, { topicSections: false });
      if (source) tasks.push({ id: d.input.id, title: d.title ?? source.title ?? d.fallbackTitle, source, doc: i });
    }
    const outcomes = await structurer.structure(tasks, ctx ?? new RunContext());
    const trees: Array<{ structure: StructureNode; structuredBy?: StructuredBy } | null> = docs.map(() => null);
    for (const [i, o] of outcomes.entries()) {
      const task = tasks[i] as (typeof tasks)[number];
      const d = docs[task.doc] as AcceptedInput;
      // The rules found text in it for the LLM, so they do again: never null here.
      if (o.by === 'llm') trees[task.doc] = { structure: o.tree, structuredBy: { by: 'llm' } };
      else trees[task.doc] = { structure: (d.format === 'text' ? await rules(d) : task.source) ?? task.source, structuredBy: o };
    }
    return trees;
  }

  private invalidReason(input: DocumentInput, seen: Set<string>): string | null {
    if (typeof input.id !== 'string' || input.id.trim().length === 0) return 'id must be a non-empty string';
    // Counted as the request schema counts it, by code point: 300 emoji passed the schema and failed here.
    if (longerThan(input.id, MAX_ID_CHARS)) return `id is longer than ${MAX_ID_CHARS} characters`;
    if (seen.has(input.id)) return 'id appears twice in the batch';
    if (typeof input.text !== 'string') return 'text must be a string';
    if (input.title !== undefined && typeof input.title !== 'string') return 'title must be a string';
    if (input.format !== undefined && !FORMATS.includes(input.format)) return `format must be one of ${FORMATS.join(', ')}`;
    if (input.text.trim().length === 0 && !(input.title ?? '').trim()) return 'text is empty';
    // Zero-width spaces, a byte order mark, control characters: nothing a reader or a search could show.
    if (!VISIBLE.test(input.text) && !VISIBLE.test(input.title ?? '')) return 'text is empty (only invisible characters: zero-width spaces and joiners, soft hyphens, byte order marks, control characters)';
    // Text never holds NUL: a binary file (an archive, an image) read as text.
    if (input.text.includes('\u0000')) return 'text holds NUL characters: a binary file, not text';
    if (longerThan(input.text, this.options.maxDocumentChars)) return `text is longer than ${this.options.maxDocumentChars} characters`;
    // The field is named: "text holds" for a bad id sent a client looking through a text that was fine.
    for (const [field, value] of [['id', input.id], ['title', input.title ?? ''], ['text', input.text]] as const) {
      if (!value.isWellFormed()) return `${field} holds invalid Unicode (a lone surrogate)`;
    }
    // Stored, filtered on and sent back like the text: held to the same rule.
    if (Object.entries(input.meta ?? {}).some(([key, value]) => !key.isWellFormed() || (typeof value === 'string' && !value.isWellFormed()))) {
      return 'meta holds invalid Unicode (a lone surrogate)';
    }
    return null;
  }
}

/**
 * Structuring and chunking run on the event loop: a turn between documents lets a server answer other requests
 * during a large batch (nothing is written before the whole batch is prepared), and an aborted request stops there.
 */
async function betweenDocuments(ctx: RunContext | undefined): Promise<void> {
  await nextTurn();
  ctx?.check('ingest');
}

/** The error that rejects a batch for one of its documents, naming it by place and id. */
function invalidDocument(index: number, input: DocumentInput, reason: string, name?: (index: number) => string | undefined): RagError {
  const origin = name?.(index);
  // A file's id is its path, which its origin already says: "ed/empty.md" once, not twice.
  const id = typeof input.id === 'string' && input.id !== origin ? ` ("${input.id.slice(0, 80)}")` : '';
  return new RagError('INVALID_DOCUMENT', `${origin ?? `document ${index}`}${id}: ${reason}; nothing of this batch was stored`, {
    index,
    ...(typeof input.id === 'string' ? { id: input.id } : {}),
    ...(origin !== undefined ? { origin } : {}),
  });
}

/**
 * A thread's work for the batch: the pool's own abort error says nothing of why it stopped, so the context's check
 * names the deadline or the abort first.
 */
async function fromThread<T>(work: Promise<T>, ctx: RunContext | undefined): Promise<T> {
  try {
    return await work;
  } catch (err) {
    ctx?.check('ingest');
    throw err;
  }
}

/** The ids of a batch that preparing left out (see `PrepareOptions.skipEmpty`). */
export function skippedOf(inputs: readonly DocumentInput[], prepared: readonly PreparedDocument[]): string[] {
  if (inputs.length === prepared.length) return [];
  const kept = new Set(prepared.map((d) => d.id));
  return inputs.filter((d) => !kept.has(d.id)).map((d) => d.id);
}
