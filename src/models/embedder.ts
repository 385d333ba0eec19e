import type { RunContext } from '../core/run-context.js';

/**
 * Turns texts into vectors. Queries and passages are embedded separately because many models want a different
 * prefix for each (e5's "query: " / "passage: "). Public methods record the stage; implementations provide
 * `doEmbed`. Vectors are L2-normalised when the configuration says so.
 */
export abstract class Embedder {
  abstract readonly name: string;
  /** Vector length; known after the model is loaded (`load()`), fixed for the index's lifetime. */
  abstract readonly dimensions: number;

  /**
   * What names the model's vector space in a store, recorded with its vectors (known after `load()`): vectors of two
   * identities are not comparable. By default the name; the built-in embedders give a digest of the ONNX weights
   * (local) or the endpoint and model name (http), so another model of the same dimension is told apart.
   */
  get identity(): string {
    return this.name;
  }

  /** Where the model comes from (its folder or endpoint), for messages only: moving a folder changes no identity. */
  get source(): string | undefined {
    return undefined;
  }

  /** Loads the model or checks the server, failing with a message naming the path or URL. */
  abstract load(): Promise<void>;

  async embedQueries(texts: string[], ctx: RunContext): Promise<Float32Array[]> {
    return ctx.span(`embed.${this.name}`, () => this.doEmbed(texts, 'query', ctx), () => ({ texts: texts.length, kind: 'query' }));
  }

  async embedPassages(texts: string[], ctx: RunContext): Promise<Float32Array[]> {
    return ctx.span(`embed.${this.name}`, () => this.doEmbed(texts, 'passage', ctx), () => ({ texts: texts.length, kind: 'passage' }));
  }

  protected abstract doEmbed(texts: string[], kind: 'query' | 'passage', ctx: RunContext): Promise<Float32Array[]>;
}
