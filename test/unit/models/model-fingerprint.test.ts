import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { onnxFingerprint } from '../../../src/models/model-fingerprint.js';

describe('onnxFingerprint', () => {
  const folders: string[] = [];
  const folder = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'rag-fingerprint-'));
    folders.push(dir);
    mkdirSync(join(dir, 'onnx'));
    writeFileSync(join(dir, 'onnx', 'model.onnx'), 'weights A');
    writeFileSync(join(dir, 'onnx', 'model.onnx_data'), 'more weights');
    return dir;
  };
  afterEach(() => {
    for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('hashes the weights once and reuses the digest kept beside them while the files are unchanged', async () => {
    const dir = folder();
    const first = await onnxFingerprint(dir, 'fp32');
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(readdirSync(join(dir, 'onnx'))).toContain('.model.onnx.rag-fingerprint.json');
    // The kept digest is what the next start reads: a forged one proves the weights were not read again.
    const sidecar = join(dir, 'onnx', '.model.onnx.rag-fingerprint.json');
    const kept = JSON.parse(readFileSync(sidecar, 'utf8')) as { digest: string };
    writeFileSync(sidecar, JSON.stringify({ ...kept, digest: 'kept-digest' }));
    expect(await onnxFingerprint(dir, 'fp32')).toBe('kept-digest');
  });

  it('hashes again when a weights file changes, even at the same size, and for another dtype', async () => {
    const dir = folder();
    const first = await onnxFingerprint(dir, 'fp32');
    writeFileSync(join(dir, 'onnx', 'model.onnx'), 'weights B');
    utimesSync(join(dir, 'onnx', 'model.onnx'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    const second = await onnxFingerprint(dir, 'fp32');
    expect(second).not.toBe(first);
    writeFileSync(join(dir, 'onnx', 'model_quantized.onnx'), 'weights A');
    expect(await onnxFingerprint(dir, 'q8')).not.toBe(second);
    // Each dtype keeps its own digest: going back does not read the fp32 weights again.
    expect(await onnxFingerprint(dir, 'fp32')).toBe(second);
  });

  it('hashes again a file rewritten in place at the same size with its modification time set back', async () => {
    const dir = folder();
    const graph = join(dir, 'onnx', 'model.onnx');
    const when = new Date(2021, 5, 1);
    utimesSync(graph, when, when);
    const first = await onnxFingerprint(dir, 'fp32');
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(graph, 'weights C');
    utimesSync(graph, when, when);
    expect(await onnxFingerprint(dir, 'fp32')).not.toBe(first);
  });
});
