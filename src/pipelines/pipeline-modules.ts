import type { PipelineConfig, RetrieverName } from '../core/config.js';
import { RagError } from '../core/errors.js';
import { generatorEnsembleOf, rerankerEnsembleOf, retrieverEnsembleOf } from '../core/module-ensembles.js';
import { GeneratorEnsemble } from '../ensemble/generator-ensemble.js';
import { RerankerEnsemble } from '../ensemble/reranker-ensemble.js';
import type { Reader } from '../models/reader.js';
import type { Reranker } from '../rerankers/reranker.js';
import { HybridRetriever } from '../retrievers/hybrid-retriever.js';
import type { IntentRetriever } from '../retrievers/intent-retriever.js';

/** What the pipelines are built from: the available retrievers, rerankers and readers, by name. */
export interface ComponentSet {
  /** Plan-driven retrieval (sub-queries fused) over each available retriever; dense and hybrid only with an embedder. */
  intents: ReadonlyMap<RetrieverName, IntentRetriever>;
  rerankers: ReadonlyMap<string, Reranker>;
  /** Readers by the name a pipeline's `generator` setting uses: "extractive", "llm". */
  readers: ReadonlyMap<string, Reader>;
}

/** The retriever, reranker and reader one pipeline runs with. */
export interface ModuleSet {
  intents: IntentRetriever;
  /** With `branchBy: retriever`: each retriever of the list alone. */
  retrieverMembers?: Array<{ name: RetrieverName; intents: IntentRetriever }>;
  reranker: Reranker | null;
  reader: Reader;
}

/**
 * Picks each pipeline's retriever, reranker and reader, building its module-level ensembles (fused retrievers,
 * aggregated rerankers, clustered generators) from the named components. Pipelines that configure the same
 * ensemble get the same instance, so ensemble members share its work within a request (the request memo keys
 * on the instance). A member that needs a model the configuration lacks is a CONFIG error naming it.
 */
export class PipelineModules {
  private readonly shared = new Map<string, IntentRetriever | Reranker | Reader>();

  constructor(private readonly components: ComponentSet) {}

  of(name: string, config: PipelineConfig): ModuleSet {
    const modules: ModuleSet = { intents: this.intents(name, config), reranker: this.reranker(name, config), reader: this.reader(name, config) };
    // Only a pipeline branching per retriever reads its members alone (config validation ensures it has a list).
    const members = config.branchBy === 'retriever' ? retrieverEnsembleOf(config)?.members : undefined;
    if (members) modules.retrieverMembers = members.map((m) => ({ name: m, intents: this.namedIntents(name, config, m) }));
    return modules;
  }

  private intents(name: string, config: PipelineConfig): IntentRetriever {
    const ensemble = retrieverEnsembleOf(config);
    const named = (r: RetrieverName): IntentRetriever => this.namedIntents(name, config, r);
    if (!ensemble) return named(config.retriever as RetrieverName);
    const members = ensemble.members.map((m) => ({ name: m, intents: named(m) }));
    const { fusion, rrfK, weights, entropyWeights, depth } = ensemble;
    return this.once(['retrievers', ensemble], () => {
      const retrievers = members.map((m) => ({ name: m.name, retriever: m.intents.retriever }));
      const fused = new HybridRetriever(retrievers, { fusion, rrfK, weights, entropyWeights, depth }, ensemble.members.join('+'));
      // Sub-queries are retrieved and fused as for any retriever: the members' intent settings are the same.
      return (members[0]?.intents as IntentRetriever).over(fused);
    });
  }

  /** One available retriever by name, or a CONFIG error naming the pipeline setting that asked for it. */
  private namedIntents(name: string, config: PipelineConfig, r: RetrieverName): IntentRetriever {
    const intents = this.components.intents.get(r);
    if (intents !== undefined) return intents;
    const setting = config.retrievers ? 'retrievers.members' : 'retriever';
    throw new RagError('CONFIG', `pipelines.${name}.${setting}: "${r}" retrieval needs an embedding model, and no embedder is configured; configure one, or use retriever: bm25`);
  }

  private reranker(name: string, config: PipelineConfig): Reranker | null {
    const ensemble = rerankerEnsembleOf(config);
    const named = lookup(this.components.rerankers, 'reranker', `pipelines.${name}.${config.rerankers ? 'rerankers.members' : 'reranker'}`);
    if (!ensemble) return config.reranker === 'none' ? null : named(config.reranker as string);
    const members = ensemble.members.map((m) => ({ name: m, reranker: named(m) }));
    return this.once(['rerankers', ensemble], () => new RerankerEnsemble(members, ensemble));
  }

  private reader(name: string, config: PipelineConfig): Reader {
    const ensemble = generatorEnsembleOf(config);
    const named = lookup(this.components.readers, 'generator', `pipelines.${name}.${config.generators ? 'generators.members' : 'generator'}`);
    if (!ensemble) return named(config.generator as string);
    const members = ensemble.members.map((m) => ({ name: m, reader: named(m) }));
    return this.once(['generators', ensemble], () => new GeneratorEnsemble(members, ensemble.beta));
  }

  private once<T extends IntentRetriever | Reranker | Reader>(key: unknown, build: () => T): T {
    const k = JSON.stringify(key);
    const seen = this.shared.get(k);
    if (seen !== undefined) return seen as T;
    const built = build();
    this.shared.set(k, built);
    return built;
  }
}

/** Finds a named component, or fails with the setting that named it. */
function lookup<T>(available: ReadonlyMap<string, T>, what: string, setting: string): (name: string) => T {
  return (name) => {
    const component = available.get(name);
    if (component === undefined) throw new RagError('CONFIG', `${setting}: no ${what} "${name}"${name === 'llm' ? ' (it needs an llm section)' : ''}`);
    return component;
  };
}
