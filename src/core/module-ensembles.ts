import { Value } from '@sinclair/typebox/value';
import {
  GeneratorEnsembleSchema,
  RerankerEnsembleSchema,
  RetrieverEnsembleSchema,
  type GeneratorEnsembleConfig,
  type GeneratorName,
  type PipelineConfig,
  type RerankerEnsembleConfig,
  type RetrieverEnsembleConfig,
  type RetrieverName,
} from './config-schema.js';

/**
 * The module-level ensembles a pipeline configures (DESIGN, "Ensemble": retrievers fused, rerankers' rankings
 * aggregated, generators' answers clustered), in one form whichever way they were written: a list in
 * `retriever`/`reranker`/`generator` (the defaults of the ensemble's settings), or the `retrievers`/`rerankers`/
 * `generators` object. Null when the pipeline uses one component.
 */
export function retrieverEnsembleOf(p: PipelineConfig): RetrieverEnsembleConfig | null {
  if (p.retrievers) return p.retrievers;
  return Array.isArray(p.retriever) ? (Value.Default(RetrieverEnsembleSchema, { members: p.retriever }) as RetrieverEnsembleConfig) : null;
}

export function rerankerEnsembleOf(p: PipelineConfig): RerankerEnsembleConfig | null {
  if (p.rerankers) return p.rerankers;
  return Array.isArray(p.reranker) ? (Value.Default(RerankerEnsembleSchema, { members: p.reranker }) as RerankerEnsembleConfig) : null;
}

export function generatorEnsembleOf(p: PipelineConfig): GeneratorEnsembleConfig | null {
  if (p.generators) return p.generators;
  return Array.isArray(p.generator) ? (Value.Default(GeneratorEnsembleSchema, { members: p.generator }) as GeneratorEnsembleConfig) : null;
}

/** Every retriever the pipeline uses: its one, or its ensemble's members. */
export function retrieverNamesOf(p: PipelineConfig): RetrieverName[] {
  return retrieverEnsembleOf(p)?.members ?? [p.retriever as RetrieverName];
}

export function rerankerNamesOf(p: PipelineConfig): string[] {
  return rerankerEnsembleOf(p)?.members ?? [p.reranker as string];
}

export function generatorNamesOf(p: PipelineConfig): GeneratorName[] {
  return generatorEnsembleOf(p)?.members ?? [p.generator as GeneratorName];
}

/** The pairs of settings of which a pipeline may give one only. */
const EITHER = [
  ['retriever', 'retrievers'],
  ['reranker', 'rerankers'],
  ['generator', 'generators'],
] as const;

/**
 * What is wrong with a pipeline's module ensembles, as "setting: problem" lines (empty when nothing is). `given`
 * is the pipeline as written, before defaults: a setting and its ensemble form together are ambiguous.
 */
export function moduleEnsembleProblems(given: Record<string, unknown>, p: PipelineConfig): string[] {
  const problems: string[] = [];
  for (const [one, many] of EITHER) {
    if (given[one] !== undefined && given[many] !== undefined) problems.push(`${many}: give ${one} or ${many}, not both`);
  }
  const ensembles: Array<[string, { members: readonly string[]; weights?: Readonly<Record<string, number>> } | null]> = [
    [p.retrievers ? 'retrievers' : 'retriever', retrieverEnsembleOf(p)],
    [p.rerankers ? 'rerankers' : 'reranker', rerankerEnsembleOf(p)],
    [p.generators ? 'generators' : 'generator', generatorEnsembleOf(p)],
  ];
  for (const [setting, ensemble] of ensembles) {
    if (!ensemble) continue;
    const twice = ensemble.members.find((m, i) => ensemble.members.indexOf(m) !== i);
    if (twice !== undefined) problems.push(`${setting}: names "${twice}" twice`);
    const stray = Object.keys(ensemble.weights ?? {}).find((w) => !ensemble.members.includes(w));
    if (stray !== undefined) problems.push(`${setting}.weights: names "${stray}", which is not a member (${ensemble.members.join(', ')})`);
    if (ensemble.members.every((m) => (ensemble.weights?.[m] ?? 1) === 0)) problems.push(`${setting}.weights: at least one member's weight must be above 0`);
  }
  if (rerankerNamesOf(p).length > 1 && rerankerNamesOf(p).includes('none')) problems.push(`${p.rerankers ? 'rerankers.members' : 'reranker'}: "none" cannot be a member`);
  if (p.branchBy === 'retriever' && !retrieverEnsembleOf(p)) {
    problems.push('branchBy: "retriever" makes one branch per retriever of a list; give one, e.g. retriever: [bm25, dense]');
  }
  return problems;
}
