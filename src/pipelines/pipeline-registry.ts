import type { PipelineConfig } from '../core/config.js';
import { RagError } from '../core/errors.js';
import type { TextMemo } from '../core/text-memo.js';
import type { StoredDocument } from '../core/types.js';
import type { HierarchicalRefiner } from '../refiner/hierarchical-refiner.js';
import type { Pipeline } from './pipeline.js';
import { AgenticPipeline, type AgentModel } from './agentic-pipeline.js';
import { BranchingPipeline } from './branching-pipeline.js';
import { IterativePipeline } from './iterative-pipeline.js';
import { LoopPipeline } from './loop-pipeline.js';
import { PipelineModules, type ComponentSet } from './pipeline-modules.js';
import type { PipelineDeps } from './pipeline-stages.js';
import { SequentialPipeline } from './sequential-pipeline.js';

export interface PipelineComponents extends ComponentSet {
  memo: TextMemo;
  /** For pipelines with `refiner: hierarchical`. */
  refiner?: { refiner: HierarchicalRefiner; document: (id: string) => StoredDocument | undefined; maxDocuments: number };
  /** The LLM agentic pipelines plan with; without one, an agentic pipeline is a configuration error. */
  agent?: AgentModel;
}

/** Pipelines by name, built from configuration; a request names one or gets the default. */
export class PipelineRegistry {
  private readonly pipelines = new Map<string, Pipeline>();

  constructor(
    configs: Record<string, PipelineConfig>,
    readonly defaultName: string,
    components: PipelineComponents,
  ) {
    const modules = new PipelineModules(components);
    for (const [name, config] of Object.entries(configs)) this.pipelines.set(name, build(name, config, components, modules));
  }

  get(name?: string): Pipeline {
    const key = name ?? this.defaultName;
    const pipeline = this.pipelines.get(key);
    if (!pipeline) {
      throw new RagError('UNKNOWN_PIPELINE', `unknown pipeline "${key}"; configured: ${this.names().join(', ')}`);
    }
    return pipeline;
  }

  names(): string[] {
    return [...this.pipelines.keys()];
  }
}

function build(name: string, config: PipelineConfig, components: PipelineComponents, modules: PipelineModules): Pipeline {
  const { intents, retrieverMembers, reranker, reader } = modules.of(name, config);
  const deps: PipelineDeps = { retriever: intents.retriever, intents, reranker, reader, memo: components.memo };
  if (retrieverMembers) deps.retrieverMembers = retrieverMembers;
  if (config.refiner === 'hierarchical') {
    if (!components.refiner) throw new RagError('CONFIG', `pipelines.${name}.refiner: no hierarchical refiner is configured`);
    deps.refiner = components.refiner;
  }
  switch (config.kind) {
    case 'sequential':
      return new SequentialPipeline(name, config, deps);
    case 'iterative':
      return new IterativePipeline(name, config, deps);
    case 'loop':
      return new LoopPipeline(name, config, deps);
    case 'branching':
      return new BranchingPipeline(name, config, deps);
    case 'agentic':
      if (!components.agent) throw new RagError('CONFIG', `pipelines.${name}.kind: "agentic" needs an LLM, which plans with tool calls: add an llm section`);
      return new AgenticPipeline(name, config, deps, components.agent);
  }
}
