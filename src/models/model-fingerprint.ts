import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { onnxFile, type ModelDtype } from './model-folder.js';

/**
 * A digest of the ONNX weights a model folder gives for a dtype: the graph file and any external-data files beside
 * it (`model.onnx_data`, `model.onnx_data_1`...). It names the model by content, so a store can tell another model
 * of the same dimension from the one that made its vectors, while a folder that was moved or renamed still matches.
 */
export async function onnxFingerprint(folder: string, dtype: ModelDtype): Promise<string> {
  const graph = join(folder, onnxFile(dtype));
  const dir = dirname(graph);
  const companions = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.startsWith(`${basename(graph)}_data`))
        .sort()
    : [];
  const hash = createHash('sha256');
  for (const file of [graph, ...companions.map((f) => join(dir, f))]) {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex').slice(0, 16);
}
