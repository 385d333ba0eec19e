import type { EnsembleConfig } from '../core/config.js';
import { RagError } from '../core/errors.js';
import type { PipelineRegistry } from '../pipelines/pipeline-registry.js';
import { PipelineEnsemble } from './pipeline-ensemble.js';

/** Ensembles by name, built from configuration over the configured pipelines. */
export class EnsembleRegistry {
  private readonly ensembles = new Map<string, PipelineEnsemble>();

  constructor(configs: Record<string, EnsembleConfig>, pipelines: PipelineRegistry) {
    for (const [name, config] of Object.entries(configs)) {
      const members = config.members.map((m) => pipelines.get(m));
      this.ensembles.set(name, new PipelineEnsemble(name, config, members));
    }
  }

  get(name: string): PipelineEnsemble {
    const ensemble = this.ensembles.get(name);
    if (!ensemble) {
      throw new RagError('UNKNOWN_PIPELINE', `unknown ensemble "${name}"; configured: ${this.names().join(', ') || 'none'}`);
    }
    return ensemble;
  }

  names(): string[] {
    return [...this.ensembles.keys()];
  }
}
