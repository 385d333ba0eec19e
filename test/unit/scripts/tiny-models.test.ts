import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoModel, AutoModelForSequenceClassification, Tensor, type PreTrainedModel } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_BERT, writeTinyModel } from '../../../scripts/tiny-models/tiny-models.js';
import { tinyModels } from '../../helpers/tiny-models.js';
import { makeTempDir } from '../../helpers/tmp.js';

/** The generated test models are real ONNX files: transformers.js (ONNX Runtime) loads them and runs the BERT contract. */

const ids = (rows: number[][]): Tensor => new Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]?.length ?? 0]);

/** Runs the model on raw tensors and returns its one named output. */
async function run(model: PreTrainedModel, output: string, inputs: Record<string, number[][]>): Promise<Tensor> {
  const out = (await model(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, ids(v)])))) as Record<string, unknown>;
  const t = out[output];
  if (!(t instanceof Tensor)) throw new Error(`no output ${output}`);
  return t;
}

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = makeTempDir('rag-tiny-');
});
afterAll(() => tmp.cleanup());

describe('tiny models', () => {
  it('are deterministic: the same seed writes the same bytes', () => {
    writeTinyModel(join(tmp.dir, 'a'), 'encoder', 1);
    writeTinyModel(join(tmp.dir, 'b'), 'encoder', 1);
    writeTinyModel(join(tmp.dir, 'c'), 'encoder', 2);
    const bytes = (d: string): Buffer => readFileSync(join(tmp.dir, d, 'onnx', 'model.onnx'));
    expect(bytes('a').equals(bytes('b'))).toBe(true);
    expect(bytes('a').equals(bytes('c'))).toBe(false);
  });

  it('write the files transformers.js reads, with a BERT config and a WordPiece tokenizer', () => {
    const { embedder, crossEncoder } = tinyModels();
    const config = JSON.parse(readFileSync(join(embedder, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config['model_type']).toBe('bert');
    expect(config['hidden_size']).toBe(TINY_BERT.hidden);
    const tokenizer = JSON.parse(readFileSync(join(embedder, 'tokenizer.json'), 'utf8')) as { model: { type: string; vocab: Record<string, number> } };
    expect(tokenizer.model.type).toBe('WordPiece');
    expect(tokenizer.model.vocab['[PAD]']).toBe(0);
    expect(tokenizer.model.vocab['##ing']).toBeGreaterThan(0);
    const cross = JSON.parse(readFileSync(join(crossEncoder, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(cross['architectures']).toEqual(['BertForSequenceClassification']);
    expect(Object.keys(cross['id2label'] as object)).toHaveLength(1);
  });

  it('encoder: (input_ids, attention_mask, token_type_ids) -> last_hidden_state [batch, seq, hidden], padding-invariant', async () => {
    const model = await AutoModel.from_pretrained(tinyModels().embedder, { local_files_only: true, device: 'cpu' });
    try {
      const base = await run(model, 'last_hidden_state', { input_ids: [[2, 50, 60, 3]], attention_mask: [[1, 1, 1, 1]], token_type_ids: [[0, 0, 0, 0]] });
      const padded = await run(model, 'last_hidden_state', {
        input_ids: [[2, 50, 60, 3, 0, 0]],
        attention_mask: [[1, 1, 1, 1, 0, 0]],
        token_type_ids: [[0, 0, 0, 0, 0, 0]],
      });
      expect(base.dims).toEqual([1, 4, TINY_BERT.hidden]);
      expect(padded.dims).toEqual([1, 6, TINY_BERT.hidden]);
      const real = (padded.data as Float32Array).slice(0, 4 * TINY_BERT.hidden);
      const b = base.data as Float32Array;
      for (let i = 0; i < b.length; i++) expect(Math.abs((real[i] ?? 0) - (b[i] ?? 0))).toBeLessThan(1e-5);
      // It depends on the token ids, on their positions and on the segment ids.
      const swapped = await run(model, 'last_hidden_state', { input_ids: [[2, 60, 50, 3]], attention_mask: [[1, 1, 1, 1]], token_type_ids: [[0, 0, 0, 0]] });
      const typed = await run(model, 'last_hidden_state', { input_ids: [[2, 50, 60, 3]], attention_mask: [[1, 1, 1, 1]], token_type_ids: [[0, 0, 1, 1]] });
      expect(Array.from(swapped.data as Float32Array)).not.toEqual(Array.from(b));
      expect(Array.from(typed.data as Float32Array)).not.toEqual(Array.from(b));
    } finally {
      await model.dispose();
    }
  });

  it('cross-encoder: the same inputs -> logits [batch, 1], one per pair', async () => {
    const model = await AutoModelForSequenceClassification.from_pretrained(tinyModels().crossEncoder, { local_files_only: true, device: 'cpu' });
    try {
      const logits = await run(model, 'logits', {
        input_ids: [
          [2, 50, 3, 60, 3],
          [2, 50, 3, 70, 3],
        ],
        attention_mask: [
          [1, 1, 1, 1, 1],
          [1, 1, 1, 1, 1],
        ],
        token_type_ids: [
          [0, 0, 0, 1, 1],
          [0, 0, 0, 1, 1],
        ],
      });
      expect(logits.dims).toEqual([2, 1]);
      const [x, y] = Array.from(logits.data as Float32Array);
      expect(Number.isFinite(x)).toBe(true);
      expect(x).not.toBe(y);
    } finally {
      await model.dispose();
    }
  });
});
