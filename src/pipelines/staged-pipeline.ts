import type { PipelineConfig } from '../core/config.js';
import { Pipeline } from './pipeline.js';
import { PipelineStages, type PipelineDeps } from './pipeline-stages.js';

/** A pipeline built from the shared stages (retrieve, rerank, refine or select, read): every kind but a custom one. */
export abstract class StagedPipeline extends Pipeline {
  protected readonly stages: PipelineStages;

  constructor(
    name: string,
    protected readonly config: PipelineConfig,
    deps: PipelineDeps,
  ) {
    super(name);
    this.stages = new PipelineStages(config, deps);
  }
}
