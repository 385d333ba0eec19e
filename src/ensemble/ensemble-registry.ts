import type { EnsembleConfig } from '../core/config.js';
import { RagError } from '../core/errors.js';
import type { PipelineRegistry } from '../pipelines/pipeline-registry.js';
import { GenerativeEnsemble, type AggregatorLlm } from './generative-ensemble.js';
import { PipelineEnsemble } from './pipeline-ensemble.js';

/** Ensembles by name, built from configuration over the configured pipelines; `mode` picks the combination. */
export class EnsembleRegistry {
  private readonly ensembles = new Map<string, PipelineEnsemble>();

  /** `aggregator`: the LLM of generative ensembles (the `llm` section); without one, such an ensemble is a CONFIG error. */
  constructor(configs: Record<string, EnsembleConfig>, pipelines: PipelineRegistry, aggregator?: AggregatorLlm) {
    for (const [name, config] of Object.entries(configs)) {
      const members = config.members.map((m) => pipelines.get(m));
      if (config.mode === 'vote') {
        this.ensembles.set(name, new PipelineEnsemble(name, config, members));
        continue;
      }
      if (!aggregator) throw new RagError('CONFIG', `ensembles.${name}.mode: "generative" needs an llm section (the LLM that writes the answer)`);
      this.ensembles.set(name, new GenerativeEnsemble(name, config, members, aggregator));
    }
  }

  get(name: string): PipelineEnsemble {
    const ensemble = this.ensembles.get(name);
    if (!ensemble) {
      throw new RagError('UNKNOWN_ENSEMBLE', `unknown ensemble "${name}"; configured: ${this.names().join(', ') || 'none'}`);
    }
    return ensemble;
  }

  names(): string[] {
    return [...this.ensembles.keys()];
  }
}
