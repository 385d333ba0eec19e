import { Embeddings } from '@langchain/core/embeddings';
import { RunContext } from '../../src/core/run-context.js';
import type { Embedder } from '../../src/models/embedder.js';

/** The project's embedder as LangChain `Embeddings`, so LangChain's vector store embeds exactly as the project does. */
export class ProjectEmbeddings extends Embeddings {
  constructor(
    private readonly embedder: Embedder,
    private readonly batchSize: number,
  ) {
    super({});
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const vectors = await this.embedder.embedPassages(texts.slice(i, i + this.batchSize), new RunContext());
      for (const v of vectors) out.push(Array.from(v));
    }
    return out;
  }

  async embedQuery(text: string): Promise<number[]> {
    const [v] = await this.embedder.embedQueries([text], new RunContext());
    if (!v) throw new Error(`embedder ${this.embedder.name} returned no vector for the query`);
    return Array.from(v);
  }
}
