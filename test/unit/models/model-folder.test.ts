import { cpSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxFile, resolveModelFolder } from '../../../src/models/model-folder.js';
import { ragErrorOf } from '../../helpers/errors.js';
import { tinyModels } from '../../helpers/tiny-models.js';
import { makeTempDir } from '../../helpers/tmp.js';

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = makeTempDir('rag-folder-');
});
afterAll(() => tmp.cleanup());

/** A copy of the tiny embedder to break. */
function copy(name: string): string {
  const dir = join(tmp.dir, name);
  cpSync(tinyModels().embedder, dir, { recursive: true });
  return dir;
}

describe('resolveModelFolder', () => {
  it('returns the absolute folder when it holds config, tokenizer and the ONNX file', () => {
    expect(resolveModelFolder('embeddings', tinyModels().embedder, 'fp32', false)).toBe(tinyModels().embedder);
  });

  it('maps dtypes to the file names transformers.js reads', () => {
    expect(onnxFile('fp32')).toBe('onnx/model.onnx');
    expect(onnxFile('q8')).toBe('onnx/model_quantized.onnx');
    expect(onnxFile('fp16')).toBe('onnx/model_fp16.onnx');
  });

  it('names a folder that does not exist', () => {
    const missing = join(tmp.dir, 'no-such-model');
    const e = ragErrorOf(() => resolveModelFolder('reranker.cross', missing, 'fp32', false));
    expect(e.code).toBe('CONFIG');
    expect(e.message).toBe(`reranker.cross: model folder ${missing} does not exist (set modelPath to a local model folder)`);
  });

  it('names the first file missing, with a hint for a root model.onnx or another dtype', () => {
    const noTokenizer = copy('no-tokenizer');
    rmSync(join(noTokenizer, 'tokenizer.json'));
    expect(ragErrorOf(() => resolveModelFolder('embeddings', noTokenizer, 'fp32', false)).message).toBe(`embeddings: model folder ${noTokenizer} has no tokenizer.json`);

    // transformers.js cannot load a tokenizer without it ("Cannot read properties of undefined (reading 'tokenizer_class')").
    const noTokenizerConfig = copy('no-tokenizer-config');
    rmSync(join(noTokenizerConfig, 'tokenizer_config.json'));
    expect(ragErrorOf(() => resolveModelFolder('embeddings', noTokenizerConfig, 'fp32', false)).message).toBe(
      `embeddings: model folder ${noTokenizerConfig} has no tokenizer_config.json`,
    );

    const atRoot = copy('at-root');
    renameSync(join(atRoot, 'onnx', 'model.onnx'), join(atRoot, 'model.onnx'));
    expect(ragErrorOf(() => resolveModelFolder('embeddings', atRoot, 'fp32', false)).message).toContain('model.onnx is at the folder root');

    expect(ragErrorOf(() => resolveModelFolder('embeddings', tinyModels().embedder, 'q8', false)).message).toContain('has no onnx/model_quantized.onnx (dtype q8');
  });

  it('rejects a file where a folder is expected', () => {
    const file = join(tinyModels().embedder, 'config.json');
    expect(ragErrorOf(() => resolveModelFolder('embeddings', file, 'fp32', false)).message).toContain('is not a folder');
  });

  it('passes a name that is no folder through as a Hub id only when remote models are allowed', () => {
    expect(resolveModelFolder('embeddings', 'intfloat/e5-small-v2', 'fp32', true)).toBe('intfloat/e5-small-v2');
    expect(ragErrorOf(() => resolveModelFolder('embeddings', 'intfloat/e5-small-v2', 'fp32', false)).message).toContain('does not exist');
  });
});
