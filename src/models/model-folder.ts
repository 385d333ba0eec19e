import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LocalEmbeddingsConfig } from '../core/config.js';
import { RagError } from '../core/errors.js';

export type ModelDtype = LocalEmbeddingsConfig['dtype'];

/** transformers.js picks the ONNX file by dtype: onnx/model.onnx for fp32, onnx/model_quantized.onnx for q8... */
const DTYPE_SUFFIX: Record<ModelDtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

export function onnxFile(dtype: ModelDtype): string {
  return `onnx/model${DTYPE_SUFFIX[dtype]}.onnx`;
}

/**
 * The folder transformers.js should load, as an absolute path (a relative one that looks like "org/name" would
 * otherwise be read as a Hub id under transformers.js's own model folder). Unless remote models are allowed, the
 * folder must hold the files loading reads, and the first one missing is named, so a wrong path stops the start
 * with a clear message instead of failing deep inside the library.
 */
export function resolveModelFolder(role: string, modelPath: string, dtype: ModelDtype, allowRemoteModels: boolean): string {
  const folder = resolve(modelPath);
  if (!existsSync(folder)) {
    if (allowRemoteModels) return modelPath;
    throw new RagError('CONFIG', `${role}: model folder ${folder} does not exist (set modelPath to a local model folder)`);
  }
  if (!statSync(folder).isDirectory()) throw new RagError('CONFIG', `${role}: model path ${folder} is not a folder`);
  const onnx = onnxFile(dtype);
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', onnx]) {
    if (existsSync(join(folder, file))) continue;
    let hint = '';
    if (file === onnx && dtype === 'fp32' && existsSync(join(folder, 'model.onnx'))) hint = ': model.onnx is at the folder root, transformers.js reads it from onnx/';
    else if (file === onnx) hint = ` (dtype ${dtype}; set dtype to the variant the folder has)`;
    throw new RagError('CONFIG', `${role}: model folder ${folder} has no ${file}${hint}`);
  }
  return folder;
}
