import { join } from 'node:path';
import { AutoModelForSequenceClassification, AutoTokenizer, Tensor, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import type { ScoredChunk } from '../../../src/core/types.js';
import { CrossEncoderReranker, type CrossEncoderOptions } from '../../../src/rerankers/cross-encoder-reranker.js';
import { mulberry32, randInt } from '../../helpers/random.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';
import { tinyModels } from '../../helpers/tiny-models.js';

/** Contracts of the cross-encoder reranker on the tiny model: its order is the model's own, in one batched call. */

const WORDS = 'the star sun moon planet gravity plasma hot cold pasta water salt city archive maps boxes history king queen light dark energy'.split(' ');
const QUERY = 'what is a hot star made of';

/** `n` passages of random vocabulary words, different lengths, so the batch is padded. */
function passages(n: number, seed = 7): ScoredChunk[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `c${i}`,
    docId: `d${i}`,
    text: Array.from({ length: 3 + randInt(rnd, 25) }, () => WORDS[randInt(rnd, WORDS.length)]).join(' '),
    score: n - i,
    source: 'bm25',
  }));
}

const options = (over: Partial<CrossEncoderOptions> = {}): CrossEncoderOptions => ({
  modelPath: tinyModels().crossEncoder,
  allowRemoteModels: false,
  executionProviders: ['cpu'],
  dtype: 'fp32',
  maxLength: 512,
  batchSize: 64,
  sigmoid: false,
  ...over,
});

const loaded: CrossEncoderReranker[] = [];
async function reranker(over: Partial<CrossEncoderOptions> = {}): Promise<CrossEncoderReranker> {
  const r = new CrossEncoderReranker('cross', options(over));
  await r.load();
  loaded.push(r);
  return r;
}

/** The model's score for one pair, called directly through transformers.js, one pair at a time (no padding). */
let tokenizer: PreTrainedTokenizer;
let model: PreTrainedModel;
async function directScore(query: string, passage: string): Promise<number> {
  const out = (await model(tokenizer(query, { text_pair: passage }))) as Record<string, unknown>;
  const logits = out['logits'];
  if (!(logits instanceof Tensor)) throw new Error('no logits');
  expect(logits.dims).toEqual([1, 1]);
  return (logits.data as Float32Array)[0] ?? Number.NaN;
}

beforeAll(async () => {
  tokenizer = await AutoTokenizer.from_pretrained(tinyModels().crossEncoder, { local_files_only: true });
  model = await AutoModelForSequenceClassification.from_pretrained(tinyModels().crossEncoder, { local_files_only: true, device: 'cpu' });
});
afterAll(async () => {
  await Promise.all([model.dispose(), ...loaded.map((r) => r.dispose())]);
});

describe('CrossEncoderReranker on the tiny model', () => {
  it('scores every passage with the model’s own logit and orders by it', async () => {
    const r = await reranker();
    const chunks = passages(20);
    const ranked = await r.rerank(QUERY, chunks, { k: 20 }, new RunContext());
    const expected = await Promise.all(chunks.map(async (c) => ({ id: c.id, score: await directScore(QUERY, c.text) })));
    expected.sort((a, b) => b.score - a.score);
    expect(ranked.map((c) => c.id)).toEqual(expected.map((e) => e.id));
    ranked.forEach((c, i) => expect(Math.abs(c.score - (expected[i]?.score ?? 0))).toBeLessThan(1e-5));
    // The model's order, not the first stage's: the input came in BM25 order.
    expect(ranked.map((c) => c.id)).not.toEqual(chunks.map((c) => c.id));
    for (const c of ranked) expect(c.source).toBe('cross');
    // The chunks themselves pass through unchanged.
    const byId = new Map(chunks.map((c) => [c.id, c]));
    for (const c of ranked) expect({ ...c, score: 0, source: '' }).toEqual({ ...byId.get(c.id), score: 0, source: '' });
  });

  it('keeps the top k', async () => {
    const r = await reranker();
    const all = await r.rerank(QUERY, passages(20), { k: 20 }, new RunContext());
    const top = await r.rerank(QUERY, passages(20), { k: 5 }, new RunContext());
    expect(top.map((c) => c.id)).toEqual(all.slice(0, 5).map((c) => c.id));
    expect(await r.rerank(QUERY, [], { k: 5 }, new RunContext())).toEqual([]);
  });

  it('sends all 50 passages of a request through the model in one call', async () => {
    const r = await reranker();
    const ctx = new RunContext();
    await r.rerank(QUERY, passages(50), { k: 10 }, ctx);
    const calls = ctx.trace.spans.filter((s) => s.name === 'model.cross');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.attrs?.['pairs']).toBe(50);
    expect(ctx.trace.spans.find((s) => s.name === 'rerank.cross')?.attrs).toEqual({ in: 50, out: 10 });
  });

  it('splits a request into ceil(n / batchSize) calls, with the same scores as one call', async () => {
    const one = await reranker();
    const small = await reranker({ batchSize: 16 });
    const ctx = new RunContext();
    const split = await small.rerank(QUERY, passages(50), { k: 50 }, ctx);
    const whole = await one.rerank(QUERY, passages(50), { k: 50 }, new RunContext());
    expect(ctx.trace.spans.filter((s) => s.name === 'model.cross').map((s) => s.attrs?.['pairs'])).toEqual([16, 16, 16, 2]);
    expect(split.map((c) => c.id)).toEqual(whole.map((c) => c.id));
    split.forEach((c, i) => expect(Math.abs(c.score - (whole[i]?.score ?? 0))).toBeLessThan(1e-5));
  });

  it('reads the title and heading path above the text', async () => {
    const r = await reranker();
    const chunk: ScoredChunk = { id: 'x', docId: 'd', title: 'Stars', headingPath: ['Plasma'], text: 'hot gas', score: 1, source: 'bm25' };
    const [ranked] = await r.rerank(QUERY, [chunk], { k: 1 }, new RunContext());
    expect(Math.abs((ranked?.score ?? 0) - (await directScore(QUERY, 'Stars\nPlasma\nhot gas')))).toBeLessThan(1e-5);
  });

  it('truncates a pair to maxLength, cutting the passage and keeping the query and special tokens', async () => {
    // Query: 7 tokens, passage: 11 (every word is one token); with [CLS] and two [SEP], 20 leave 10 of the passage.
    const r = await reranker({ maxLength: 20 });
    const text = 'plasma gravity water salt city maps king queen light dark energy';
    const [long] = await r.rerank(QUERY, [{ id: 'l', docId: 'd', text, score: 0, source: 'bm25' }], { k: 1 }, new RunContext());
    expect(Math.abs((long?.score ?? 0) - (await directScore(QUERY, 'plasma gravity water salt city maps king queen light dark')))).toBeLessThan(1e-5);
  });

  it('reports sigmoid(logit) when configured, in the same order', async () => {
    const logits = await (await reranker()).rerank(QUERY, passages(10), { k: 10 }, new RunContext());
    const probs = await (await reranker({ sigmoid: true })).rerank(QUERY, passages(10), { k: 10 }, new RunContext());
    expect(probs.map((c) => c.id)).toEqual(logits.map((c) => c.id));
    probs.forEach((c, i) => expect(c.score).toBeCloseTo(1 / (1 + Math.exp(-(logits[i]?.score ?? 0))), 6));
  });

  it('reports where it runs', async () => {
    const r = await reranker({ executionProviders: ['cuda', 'cpu'] });
    expect(r.status()).toMatchObject({ role: 'reranker.cross', kind: 'local', source: tinyModels().crossEncoder, provider: 'cpu', requestedProviders: ['cuda', 'cpu'] });
    expect(r.status().fallbacks?.[0]?.provider).toBe('cuda');
  });

  it('fails with a message naming the path when the model folder is missing', async () => {
    const missing = join(tinyModels().crossEncoder, 'nope');
    const err = await ragErrorOfAsync(() => new CrossEncoderReranker('cross', options({ modelPath: missing })).load());
    expect(err.code).toBe('CONFIG');
    expect(err.message).toBe(`reranker.cross: model folder ${missing} does not exist (set modelPath to a local model folder)`);
  });

  it('rejects a model that gives no logits (an embedding model) at load, naming its folder', async () => {
    const err = await ragErrorOfAsync(() => new CrossEncoderReranker('cross', options({ modelPath: tinyModels().embedder })).load());
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain(`reranker.cross (${tinyModels().embedder}): the model has none of the outputs logits`);
  });
});
