import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunContext } from '../../src/core/run-context.js';
import { positionLimit } from '../../src/models/position-limit.js';
import { TransformersEmbedder } from '../../src/models/transformers-embedder.js';
import { CrossEncoderReranker } from '../../src/rerankers/cross-encoder-reranker.js';
import { writeTinyModel } from '../../scripts/tiny-models/tiny-models.js';
import { readiness, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { makeTempDir } from '../helpers/tmp.js';

/**
 * A model whose tokenizer claims more tokens (512) than its graph has positions for (64): maxLength is capped at
 * the positions, so long texts are cut instead of failing inside ONNX Runtime, and the cap is reported.
 */

let tmp: { dir: string; cleanup: () => void };
let embedderPath: string;
let crossPath: string;
beforeAll(() => {
  tmp = makeTempDir('rag-maxlen-');
  embedderPath = join(tmp.dir, 'short-embedder');
  crossPath = join(tmp.dir, 'short-cross');
  writeTinyModel(embedderPath, 'encoder', 3, { maxPositions: 64, tokenizerMaxLength: 512 });
  writeTinyModel(crossPath, 'cross-encoder', 4, { maxPositions: 64, tokenizerMaxLength: 512 });
});
afterAll(() => tmp.cleanup());

const LONG = Array.from({ length: 300 }, (_, i) => `star${i % 7} plasma gravity archive`).join(' ');

describe('maxLength beyond the model’s position embeddings', () => {
  it('the embedder caps it at the positions, embeds long texts, and says so', async () => {
    const e = new TransformersEmbedder({
      modelPath: embedderPath,
      allowRemoteModels: false,
      executionProviders: ['cpu'],
      dtype: 'fp32',
      maxLength: 512,
      pooling: 'mean',
      normalize: true,
      queryPrefix: '',
      passagePrefix: '',
      batchSize: 4,
    });
    try {
      await e.load();
      const [v] = await e.embedPassages([LONG], new RunContext());
      expect(v?.length).toBe(32);
      expect(e.status().maxLength).toBe(64);
      expect(e.status().warnings?.[0]).toMatch(/maxLength 512 is more than .* takes \(its config.json has position embeddings for 64 tokens\).*embeddings\.maxLength to at most 64/);
    } finally {
      await e.dispose();
    }
  });

  it('the cross-encoder caps it too, naming its own setting', async () => {
    const r = new CrossEncoderReranker('cross', {
      modelPath: crossPath,
      allowRemoteModels: false,
      executionProviders: ['cpu'],
      dtype: 'fp32',
      maxLength: 512,
      batchSize: 4,
      sigmoid: true,
    });
    try {
      await r.load();
      expect(r.status().maxLength).toBe(64);
      expect(r.status().warnings?.[0]).toContain('rerankers.cross.maxLength to at most 64');
    } finally {
      await r.dispose();
    }
  });

  describe('over HTTP', () => {
    let fx: HttpFixture;
    beforeAll(async () => {
      fx = await startHttpFixture({ embeddings: { provider: 'local', modelPath: embedderPath, maxLength: 512 } });
    });
    afterAll(() => fx.close());

    it('ingests a long document and /readyz reports the effective maxLength', async () => {
      const r = await fx.app.inject({ method: 'POST', url: '/v1/documents', payload: { documents: [{ id: 'long', title: 'Long', text: LONG }] } });
      expect(r.statusCode).toBe(200);
      const ready = await readiness(fx.app);
      expect(ready.models.find((m) => m.role === 'embeddings')).toMatchObject({ maxLength: 64, warnings: [expect.stringContaining('maxLength 512 is more than')] });
    });
  });
});

describe('positionLimit', () => {
  it('reads max_position_embeddings, less RoBERTa’s reserved positions, and none for relative positions', () => {
    expect(positionLimit({ model_type: 'bert', max_position_embeddings: 512 })).toBe(512);
    expect(positionLimit({ model_type: 'xlm-roberta', max_position_embeddings: 514, pad_token_id: 1 })).toBe(512);
    expect(positionLimit({ model_type: 'roberta', max_position_embeddings: 514 })).toBe(512);
    expect(positionLimit({ model_type: 'deberta-v2', max_position_embeddings: 512, position_biased_input: false })).toBeUndefined();
    expect(positionLimit({ model_type: 'bert' })).toBeUndefined();
    expect(positionLimit(undefined)).toBeUndefined();
  });
});
