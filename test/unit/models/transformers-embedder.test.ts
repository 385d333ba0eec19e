import { join } from 'node:path';
import { pipeline } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import { TransformersEmbedder, type TransformersEmbedderOptions } from '../../../src/models/transformers-embedder.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';
import { tinyModels } from '../../helpers/tiny-models.js';

/** Contracts of the local embedder on the tiny model (random weights): shapes, determinism, invariances. Not quality. */

const TEXTS = [
  'Stars are giant balls of hot plasma held together by their own gravity.',
  'Pasta should be boiled in salted water.',
  'archive',
  'The city archive keeps old documents and maps in climate-controlled boxes, and a search index over them.',
  '',
];

const options = (over: Partial<TransformersEmbedderOptions> = {}): TransformersEmbedderOptions => ({
  modelPath: tinyModels().embedder,
  allowRemoteModels: false,
  executionProviders: ['cpu'],
  dtype: 'fp32',
  maxLength: 512,
  pooling: 'mean',
  normalize: true,
  queryPrefix: '',
  passagePrefix: '',
  batchSize: 32,
  ...over,
});

const loaded: TransformersEmbedder[] = [];
async function embedder(over: Partial<TransformersEmbedderOptions> = {}): Promise<TransformersEmbedder> {
  const e = new TransformersEmbedder(options(over));
  await e.load();
  loaded.push(e);
  return e;
}
afterAll(async () => {
  await Promise.all(loaded.map((e) => e.dispose()));
});

const maxDiff = (a: Float32Array, b: Float32Array): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
};
const norm = (v: Float32Array): number => Math.hypot(...v);

describe('TransformersEmbedder on the tiny model', () => {
  let base: TransformersEmbedder;
  beforeAll(async () => {
    base = await embedder();
  });

  it('gives one vector per text, of the model’s hidden size, and reports it as dimensions', async () => {
    const vectors = await base.embedPassages(TEXTS, new RunContext());
    expect(base.dimensions).toBe(32);
    expect(vectors).toHaveLength(TEXTS.length);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(32);
      expect(v.every(Number.isFinite)).toBe(true);
    }
    expect(await base.embedQueries([], new RunContext())).toEqual([]);
  });

  it('is deterministic: the same input gives the same vector, across calls and instances', async () => {
    const a = await base.embedPassages(TEXTS, new RunContext());
    const b = await base.embedPassages(TEXTS, new RunContext());
    const other = await embedder();
    const c = await other.embedPassages(TEXTS, new RunContext());
    a.forEach((v, i) => {
      expect(Array.from(v)).toEqual(Array.from(b[i] ?? []));
      expect(Array.from(v)).toEqual(Array.from(c[i] ?? []));
    });
  });

  it('batched equals unbatched, whatever the batch size and the padding a batch adds (1e-5)', async () => {
    const together = await base.embedPassages(TEXTS, new RunContext());
    const single = await embedder({ batchSize: 1 });
    const pairs = await embedder({ batchSize: 2 });
    for (const e of [single, pairs]) {
      const vs = await e.embedPassages(TEXTS, new RunContext());
      vs.forEach((v, i) => expect(maxDiff(v, together[i] ?? new Float32Array())).toBeLessThan(1e-5));
    }
    // A short text padded next to a long one equals the short text alone.
    const [alone] = await base.embedPassages(['archive'], new RunContext());
    const [padded] = await base.embedPassages(['archive', TEXTS[3] ?? ''], new RunContext());
    expect(maxDiff(alone ?? new Float32Array(), padded ?? new Float32Array())).toBeLessThan(1e-5);
  });

  it('normalises to unit vectors, and does not when normalize is off', async () => {
    for (const v of await base.embedPassages(TEXTS, new RunContext())) expect(norm(v)).toBeCloseTo(1, 5);
    const raw = await embedder({ normalize: false });
    const norms = (await raw.embedPassages(TEXTS, new RunContext())).map(norm);
    expect(norms.some((n) => Math.abs(n - 1) > 1e-3)).toBe(true);
  });

  it('applies the query and passage prefixes: they change the vector, and equal embedding the prefixed text', async () => {
    const e5 = await embedder({ queryPrefix: 'query: ', passagePrefix: 'passage: ' });
    const text = 'what is a star';
    const [q] = await e5.embedQueries([text], new RunContext());
    const [p] = await e5.embedPassages([text], new RunContext());
    const [plain] = await base.embedQueries([text], new RunContext());
    const [prefixed] = await base.embedQueries([`query: ${text}`], new RunContext());
    expect(maxDiff(q ?? new Float32Array(), p ?? new Float32Array())).toBeGreaterThan(1e-3);
    expect(maxDiff(q ?? new Float32Array(), plain ?? new Float32Array())).toBeGreaterThan(1e-3);
    expect(maxDiff(q ?? new Float32Array(), prefixed ?? new Float32Array())).toBeLessThan(1e-6);
  });

  it('pools by [CLS] when configured, which differs from the mean', async () => {
    const cls = await embedder({ pooling: 'cls' });
    const [a] = await cls.embedPassages([TEXTS[0] ?? ''], new RunContext());
    const [b] = await base.embedPassages([TEXTS[0] ?? ''], new RunContext());
    expect(norm(a ?? new Float32Array())).toBeCloseTo(1, 5);
    expect(maxDiff(a ?? new Float32Array(), b ?? new Float32Array())).toBeGreaterThan(1e-3);
  });

  it('truncates to maxLength tokens, keeping [SEP]: a long text embeds as its first maxLength - 2 tokens', async () => {
    const short = await embedder({ maxLength: 8 });
    // Every word below is one token of the tiny vocabulary: [CLS] + 6 words + [SEP] = 8.
    const [long] = await short.embedPassages(['the star is a hot sun of plasma and gas'], new RunContext());
    const [cut] = await base.embedPassages(['the star is a hot sun'], new RunContext());
    expect(maxDiff(long ?? new Float32Array(), cut ?? new Float32Array())).toBeLessThan(1e-5);
    expect(short.status().maxLength).toBe(8);
  });

  it('matches transformers.js’s own feature-extraction pipeline (mean pooling, normalised) within 1e-5', async () => {
    const extractor = await pipeline('feature-extraction', tinyModels().embedder, { local_files_only: true, device: 'cpu', dtype: 'fp32' });
    try {
      const reference = await extractor(TEXTS, { pooling: 'mean', normalize: true });
      const ours = await base.embedPassages(TEXTS, new RunContext());
      const data = reference.data as Float32Array;
      ours.forEach((v, i) => expect(maxDiff(v, data.slice(i * 32, (i + 1) * 32))).toBeLessThan(1e-5));
    } finally {
      await extractor.dispose();
    }
  });

  it('records the stage and one model span per batch, with its size and tokens', async () => {
    const e = await embedder({ batchSize: 2 });
    const ctx = new RunContext();
    await e.embedQueries(TEXTS, ctx);
    const spans = ctx.trace.spans;
    expect(spans.filter((s) => s.name === 'model.embeddings').map((s) => s.attrs?.['batch'])).toEqual([2, 2, 1]);
    expect(spans.find((s) => s.name === 'embed.local')?.attrs).toEqual({ texts: TEXTS.length, kind: 'query' });
    for (const s of spans) expect(s.ms).toBeGreaterThanOrEqual(0);
    // The ONNX Runtime call's own time is inside its span; the rest is tokenizing, padding and pooling.
    for (const s of spans.filter((x) => x.name === 'model.embeddings')) {
      expect(s.attrs?.['onnxMs']).toBeGreaterThan(0);
      expect(s.attrs?.['onnxMs']).toBeLessThanOrEqual(s.ms);
      expect(s.attrs?.['tokens']).toBeGreaterThan(0);
    }
  });

  it('stops between batches when the request is aborted', async () => {
    const e = await embedder({ batchSize: 1 });
    const controller = new AbortController();
    controller.abort();
    const err = await ragErrorOfAsync(() => e.embedPassages(TEXTS, new RunContext({ signal: controller.signal })));
    expect(err.code).toBe('ABORTED');
  });
});

describe('TransformersEmbedder loading', () => {
  it('reports where it runs: folder, provider, dtype, dimensions, maxLength', async () => {
    const e = await embedder();
    expect(e.status()).toMatchObject({
      role: 'embeddings',
      kind: 'local',
      source: tinyModels().embedder,
      provider: 'cpu',
      requestedProviders: ['cpu'],
      dtype: 'fp32',
      dimensions: 32,
      maxLength: 512,
    });
    expect(e.status().fallbacks).toBeUndefined();
  });

  it('falls back from cuda to cpu on a machine without the CUDA build, reporting why', async () => {
    const e = await embedder({ executionProviders: ['cuda', 'cpu'] });
    const status = e.status();
    expect(status.provider).toBe('cpu');
    expect(status.requestedProviders).toEqual(['cuda', 'cpu']);
    expect(status.fallbacks).toHaveLength(1);
    expect(status.fallbacks?.[0]?.provider).toBe('cuda');
    expect(status.fallbacks?.[0]?.reason.length).toBeGreaterThan(0);
    expect((await e.embedPassages(['still works'], new RunContext()))[0]?.length).toBe(32);
  });

  it('fails clearly when the configuration demands cuda only and there is none', async () => {
    const e = new TransformersEmbedder(options({ executionProviders: ['cuda'] }));
    const err = await ragErrorOfAsync(() => e.load());
    expect(err.code).toBe('CONFIG');
    expect(err.message).toMatch(/^embeddings \(.*\): no configured execution provider could run it \(cuda: .+\)$/);
  });

  it('fails with a message naming the path when the model folder is missing', async () => {
    const missing = join(tinyModels().embedder, '..', 'not-there');
    const err = await ragErrorOfAsync(() => new TransformersEmbedder(options({ modelPath: missing })).load());
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain(join(tinyModels().embedder, '..', 'not-there'));
  });

  it('refuses to embed before load(), with a 503', async () => {
    const err = await ragErrorOfAsync(() => new TransformersEmbedder(options()).embedPassages(['x'], new RunContext()));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.statusCode).toBe(503);
  });
});
