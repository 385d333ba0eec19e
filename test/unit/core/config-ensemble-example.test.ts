import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/core/config.js';

/** config/ensemble.example.yaml is what the README's and the benchmarks' ensemble commands load. */

const root = resolve(import.meta.dirname, '../../..');

describe('config/ensemble.example.yaml', () => {
  const config = loadConfig({ files: [resolve(root, 'config/default.yaml'), resolve(root, 'config/ensemble.example.yaml')], env: {} });

  it('defines the lean ensemble (one member per reader, and the loop) beside the ensemble of every model-free pipeline', () => {
    expect(config.ensembles['lean']?.members).toEqual(['sequential', 'loop', 'linked', 'bridge']);
    expect(config.ensembles['all']?.members).toHaveLength(7);
  });

  it('names only pipelines it defines, each with another reader or retrieval than the rest', () => {
    for (const [name, ensemble] of Object.entries(config.ensembles)) {
      for (const member of ensemble.members) expect(config.pipelines[member], `${name}: ${member}`).toBeDefined();
    }
    const lean = (config.ensembles['lean']?.members ?? []).map((m) => config.pipelines[m]);
    const kinds = lean.map((p) => `${p?.kind}/${p?.generator}`);
    expect(new Set(kinds).size).toBe(kinds.length);
  });
});
