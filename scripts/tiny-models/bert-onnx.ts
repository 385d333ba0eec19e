import { mulberry32 } from '../../test/helpers/random.js';
import { OnnxGraphBuilder, type GraphIo } from './onnx-graph-builder.js';

/** Sizes of a BERT-shaped model; the defaults make a model of a few hundred kB that runs in microseconds. */
export interface BertSpec {
  vocabSize: number;
  hidden: number;
  heads: number;
  intermediate: number;
  layers: number;
  maxPositions: number;
  typeVocabSize: number;
  seed: number;
}

export type BertHead = 'encoder' | 'cross-encoder';

/** Normally distributed weights from a seeded PRNG (Box-Muller), so every run writes the same model. */
function gaussian(rnd: () => number): (n: number, std: number) => Float32Array {
  return (n, std) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const u = Math.max(rnd(), 1e-12);
      const v = rnd();
      const r = Math.sqrt(-2 * Math.log(u)) * std;
      out[i] = r * Math.cos(2 * Math.PI * v);
      if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
    }
    return out;
  };
}

/**
 * A BERT encoder as ONNX (opset 17): word, position and token-type embeddings, then `layers` post-norm
 * transformer layers (multi-head self-attention with the attention mask as an additive -1e4 bias, GELU
 * feed-forward). Inputs are BERT's (input_ids, attention_mask, token_type_ids: int64 [batch, seq]).
 * The "encoder" head outputs last_hidden_state [batch, seq, hidden], as BertModel; the "cross-encoder" head adds
 * BERT's pooler (tanh over the [CLS] state) and a one-logit classifier, as BertForSequenceClassification with
 * num_labels 1 (a BGE-style reranker). Masked positions get exactly zero attention, so padding never changes the
 * states of real tokens.
 */
export function bertOnnx(spec: BertSpec, head: BertHead): Uint8Array {
  const g = new OnnxGraphBuilder();
  const normal = gaussian(mulberry32(spec.seed));
  const { hidden: H, heads, intermediate: I } = spec;
  const dh = H / heads;
  if (!Number.isInteger(dh)) throw new Error(`hidden size ${H} is not divisible by ${heads} heads`);
  const linear = (name: string, fanIn: number, fanOut: number): { w: string; b: string } => ({
    w: g.floats(`${name}.weight`, [fanIn, fanOut], normal(fanIn * fanOut, 1 / Math.sqrt(fanIn))),
    b: g.floats(`${name}.bias`, [fanOut], normal(fanOut, 0.02)),
  });
  const dense = (x: string, l: { w: string; b: string }): string => g.op('Add', [g.op('MatMul', [x, l.w]), l.b]);
  const layerNorm = (x: string, name: string): string =>
    g.op('LayerNormalization', [x, g.floats(`${name}.gamma`, [H], new Float32Array(H).fill(1)), g.floats(`${name}.beta`, [H], new Float32Array(H))], {
      axis: -1,
      epsilon: { float: 1e-12 },
    });

  // Embeddings: token identity dominates, position and segment shift it.
  const words = g.op('Gather', [g.floats('embeddings.word', [spec.vocabSize, H], normal(spec.vocabSize * H, 1)), 'input_ids']);
  const types = g.op('Gather', [g.floats('embeddings.token_type', [spec.typeVocabSize, H], normal(spec.typeVocabSize * H, 0.3)), 'token_type_ids']);
  const seqLen = g.op('Gather', [g.op('Shape', ['input_ids']), g.ints([1], [])], { axis: 0 });
  const positionIds = g.op('Range', [g.ints([0], []), seqLen, g.ints([1], [])]);
  const positions = g.op('Gather', [g.floats('embeddings.position', [spec.maxPositions, H], normal(spec.maxPositions * H, 0.3)), positionIds]);
  let x = layerNorm(g.op('Add', [g.op('Add', [words, types]), positions]), 'embeddings.norm');

  // Attention bias [batch, 1, 1, seq]: 0 where attended, -1e4 on padding.
  const maskFloat = g.op('Cast', ['attention_mask'], { to: 1 });
  const bias = g.op('Unsqueeze', [g.op('Mul', [g.op('Sub', [g.scalar(1), maskFloat]), g.scalar(-10000)]), g.ints([1, 2])]);
  const splitHeads = (t: string, perm: number[]): string => g.op('Transpose', [g.op('Reshape', [t, g.ints([0, 0, heads, dh])])], { perm });

  for (let l = 0; l < spec.layers; l++) {
    const q = splitHeads(dense(x, linear(`layer${l}.query`, H, H)), [0, 2, 1, 3]);
    const k = splitHeads(dense(x, linear(`layer${l}.key`, H, H)), [0, 2, 3, 1]);
    const v = splitHeads(dense(x, linear(`layer${l}.value`, H, H)), [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, k]), g.scalar(1 / Math.sqrt(dh))]), bias]);
    const context = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
    const merged = g.op('Reshape', [g.op('Transpose', [context], { perm: [0, 2, 1, 3] }), g.ints([0, 0, H])]);
    x = layerNorm(g.op('Add', [x, dense(merged, linear(`layer${l}.attention_output`, H, H))]), `layer${l}.attention_norm`);
    // GELU (erf form, as BERT): h * 0.5 * (1 + erf(h / sqrt 2)).
    const h = dense(x, linear(`layer${l}.intermediate`, H, I));
    const gelu = g.op('Mul', [g.op('Mul', [h, g.scalar(0.5)]), g.op('Add', [g.op('Erf', [g.op('Mul', [h, g.scalar(Math.SQRT1_2)])]), g.scalar(1)])]);
    x = layerNorm(g.op('Add', [x, dense(gelu, linear(`layer${l}.output`, I, H))]), `layer${l}.output_norm`);
  }

  const inputs: GraphIo[] = ['input_ids', 'attention_mask', 'token_type_ids'].map((name) => ({
    name,
    type: 'int64',
    dims: ['batch_size', 'sequence_length'],
  }));
  if (head === 'encoder') {
    return g.build(inputs, [{ name: 'last_hidden_state', type: 'float32', dims: ['batch_size', 'sequence_length', H], from: x }], 17);
  }
  const cls = g.op('Gather', [x, g.ints([0], [])], { axis: 1 });
  const pooled = g.op('Tanh', [dense(cls, linear('pooler', H, H))]);
  const logits = dense(pooled, linear('classifier', H, 1));
  return g.build(inputs, [{ name: 'logits', type: 'float32', dims: ['batch_size', 1], from: logits }], 17);
}
