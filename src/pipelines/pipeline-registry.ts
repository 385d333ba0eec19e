import type { PipelineConfig } from '../core/config.js';
import { RagError } from '../core/errors.js';
import type { TextMemo } from '../core/text-memo.js';
import type { Reader } from '../models/reader.js';
import type { Reranker } from '../rerankers/reranker.js';
import type { IntentRetriever } from '../retrievers/intent-retriever.js';
import type { Retriever } from '../retrievers/retriever.js';
import type { Pipeline } from './pipeline.js';
import type { StoredDocument } from '../core/types.js';
import type { HierarchicalRefiner } from '../refiner/hierarchical-refiner.js';
import { SequentialPipeline, type SequentialPipelineDeps } from './sequential-pipeline.js';

export interface PipelineComponents {
  retriever: Retriever;
  /** Plan-driven retrieval over `retriever` (sub-queries fused); plain RRF over `retriever` when left out. */
  intents?: IntentRetriever;
  rerankers: ReadonlyMap<string, Reranker>;
  /** Readers by the name a pipeline's `generator` setting uses: "extractive", "llm". */
  readers: ReadonlyMap<string, Reader>;
  memo: TextMemo;
  /** For pipelines with `refiner: hierarchical`. */
  refiner?: { refiner: HierarchicalRefiner; document: (id: string) => StoredDocument | undefined; maxDocuments: number };
}

/** Pipelines by name, built from configuration; a request names one or gets the default. */
export class PipelineRegistry {
  private readonly pipelines = new Map<string, Pipeline>();

  constructor(
    configs: Record<string, PipelineConfig>,
    readonly defaultName: string,
    components: PipelineComponents,
  ) {
    for (const [name, config] of Object.entries(configs)) this.pipelines.set(name, build(name, config, components));
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

function build(name: string, config: PipelineConfig, components: PipelineComponents): Pipeline {
  const reranker = config.reranker === 'none' ? null : components.rerankers.get(config.reranker);
  if (reranker === undefined) throw new RagError('CONFIG', `pipelines.${name}.reranker: no reranker "${config.reranker}"`);
  const reader = components.readers.get(config.generator);
  if (reader === undefined) throw new RagError('CONFIG', `pipelines.${name}.generator: no generator "${config.generator}"`);
  const deps: SequentialPipelineDeps = { retriever: components.retriever, reranker, reader, memo: components.memo };
  if (components.intents) deps.intents = components.intents;
  if (config.refiner === 'hierarchical') {
    if (!components.refiner) throw new RagError('CONFIG', `pipelines.${name}.refiner: no hierarchical refiner is configured`);
    deps.refiner = components.refiner;
  }
  return new SequentialPipeline(name, config, deps);
}
