import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RagError } from '../core/errors.js';
import { transformers } from '../models/transformers-module.js';
import type { TokenCounter } from './token-counter.js';

/**
 * Token counts from a real tokenizer: a local folder with tokenizer.json (and tokenizer_config.json), as the
 * reader's model ships it, loaded by transformers.js without any download. Special tokens are not counted: a
 * budget is about the passage text.
 */
export async function loadTokenizerCounter(folder: string): Promise<TokenCounter> {
  const path = resolve(folder);
  if (!existsSync(join(path, 'tokenizer.json'))) throw new RagError('CONFIG', `refiner.tokenizerPath: ${path} has no tokenizer.json`);
  try {
    const { AutoTokenizer } = await transformers();
    const tokenizer = await AutoTokenizer.from_pretrained(path, { local_files_only: true });
    return {
      name: `tokenizer:${folder}`,
      count: (text) => (text.length === 0 ? 0 : tokenizer.encode(text, { add_special_tokens: false }).length),
    };
  } catch (err) {
    throw new RagError('CONFIG', `refiner.tokenizerPath: cannot load a tokenizer from ${folder}: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
  }
}
