import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { onnxFile, type ModelDtype } from './model-folder.js';

/** Beside the graph file, named after it: the weights' digest, with what each file was (size, time, inode) when hashed. */
const SIDECAR_SUFFIX = '.rag-fingerprint.json';

interface Sidecar {
  dtype: ModelDtype;
  files: Array<{ name: string; size: number; mtimeMs: number; ctimeMs: number; ino: number }>;
  digest: string;
}

/**
 * A digest of the ONNX weights a model folder gives for a dtype: the graph file and any external-data files beside
 * it (`model.onnx_data`, `model.onnx_data_1`...). It names the model by content, so a store can tell another model
 * of the same dimension from the one that made its vectors, while a folder that was moved or renamed still matches.
 * Hashing reads every byte (about 1 s per GB), so the digest is kept beside the weights and reused while every file
 * keeps its size, modification and change times and inode (a copy or a rewrite changes one of them, even with its
 * modification time set back); a folder that cannot be written is hashed at each start.
 */
export async function onnxFingerprint(folder: string, dtype: ModelDtype): Promise<string> {
  const graph = join(folder, onnxFile(dtype));
  const dir = dirname(graph);
  const companions = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.startsWith(`${basename(graph)}_data`))
        .sort()
    : [];
  const paths = [graph, ...companions.map((f) => join(dir, f))];
  const files = paths.map((p) => {
    const s = statSync(p);
    return { name: basename(p), size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
  });
  const sidecar = join(dir, `.${basename(graph)}${SIDECAR_SUFFIX}`);
  const kept = readSidecar(sidecar);
  if (kept !== undefined && kept.dtype === dtype && JSON.stringify(kept.files) === JSON.stringify(files)) return kept.digest;
  const hash = createHash('sha256');
  for (const file of paths) {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  }
  const digest = hash.digest('hex').slice(0, 16);
  try {
    writeFileSync(sidecar, `${JSON.stringify({ dtype, files, digest } satisfies Sidecar)}\n`);
  } catch {
    // A read-only model folder: hashed again at the next start, which is only slower.
  }
  return digest;
}

function readSidecar(path: string): Sidecar | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Sidecar>;
    return typeof parsed.digest === 'string' && Array.isArray(parsed.files) && typeof parsed.dtype === 'string' ? (parsed as Sidecar) : undefined;
  } catch {
    return undefined;
  }
}
