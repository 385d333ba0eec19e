import { Piscina } from 'piscina';
import type { DocumentFormat, StructureNode } from '../core/types.js';
import type { PlainTextOptions } from './parse-plain-text.js';
import type { ChunkerOptions, ChunkText } from './chunker.js';
import type { ChunkTask, StructureTask, StructureTaskResult } from './structure-worker.js';
import { UnparsableDocument } from './unparsable-document.js';

export interface StructurePoolOptions {
  /** Threads that parse at most at once; 0 parses every document on the calling thread. */
  threads: number;
  /** Documents of at least this many characters go to a thread; smaller ones cost less to parse than to send. */
  fromChars: number;
}

/**
 * Parses and chunks large documents in worker threads (Piscina). Parsing is synchronous: a 3.5 MB Markdown document held the
 * event loop for about a second, and every other request of the server with it. Threads start on the first large
 * document and stop when idle, so a server that never sees one never starts one.
 */
export class StructurePool {
  private pool: Piscina<StructureTask | ChunkTask, StructureTaskResult> | undefined;

  constructor(private readonly options: StructurePoolOptions) {}

  /** Whether this document is parsed in a thread. */
  takes(text: string): boolean {
    return this.options.threads > 0 && text.length >= this.options.fromChars;
  }

  async structure(text: string, format: DocumentFormat, title: string, options: PlainTextOptions, signal?: AbortSignal, givenTitle?: string): Promise<StructureNode> {
    const task: StructureTask = { text, format, title, options, ...(givenTitle !== undefined ? { givenTitle } : {}) };
    const result = await this.started().run(task, signal ? { signal } : {});
    if ('unparsable' in result) throw new UnparsableDocument(result.unparsable);
    if (!('tree' in result)) throw new Error('structure worker answered a structure task without a tree');
    return result.tree;
  }

  /**
   * A large document's tree cut into chunks in a thread: LangChain's splitter held the event loop 1.1 to 1.2 s over
   * 4.8 MB of text with few spaces (base64, one word repeated), after the parse had been moved off it.
   */
  async chunk(structure: StructureNode, chunking: ChunkerOptions, signal?: AbortSignal): Promise<ChunkText[]> {
    const task: ChunkTask = { kind: 'chunk', structure, chunking: { chunkSize: chunking.chunkSize, chunkOverlap: chunking.chunkOverlap } };
    const result = await this.started().run(task, signal ? { signal } : {});
    if (!('chunks' in result)) throw new Error('structure worker answered a chunk task without chunks');
    return result.chunks;
  }

  /** Stops the threads; a later large document starts them again. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }

  private started(): Piscina<StructureTask | ChunkTask, StructureTaskResult> {
    if (this.pool) return this.pool;
    // From the sources (tests, tsx) the worker is TypeScript too, and its thread needs tsx's loader to import it.
    const fromSource = import.meta.url.endsWith('.ts');
    const filename = new URL(`./structure-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url).href;
    this.pool = new Piscina<StructureTask | ChunkTask, StructureTaskResult>({
      filename,
      minThreads: 0,
      maxThreads: this.options.threads,
      idleTimeout: 30_000,
      ...(fromSource ? { execArgv: [...process.execArgv, '--import', 'tsx'] } : {}),
    });
    return this.pool;
  }
}
