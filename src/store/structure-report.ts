import type { Degradation } from '../core/types.js';

/**
 * Which structurer built a document's tree at ingestion, and why the rules did when the LLM was configured.
 * `fallback`: the model was asked (or the document was too long for it) and its tree could not be used;
 * `degraded`: because the model failed (down, hung, erroring), not because of what it answered.
 */
export type StructuredBy = { by: 'llm' } | { by: 'rules'; reason: string; fallback: boolean; degraded?: Degradation };

/** What an ingestion says of how its documents were structured, when `refiner.structure` is "llm". */
export interface StructureReport {
  structurer: 'llm';
  /** Documents structured by the LLM. */
  llm: number;
  /** Documents left to the rules: too short to organise, or fallen back. */
  rules: number;
  /** Documents the LLM was asked about whose tree could not be used (they have the rule-based tree). */
  fallbacks: number;
  /** The first of those, with the reason. */
  fallbackDocuments: Array<{ id: string; reason: string }>;
  /** Set when the model failed (down, hung, erroring): those documents have the rules' trees until sent again. */
  degraded?: Degradation;
}

/** Documents listed by id in a report; the counts go on past it. */
const MAX_LISTED = 100;

/** The report of a batch; undefined when no document says how it was structured (the rules only). */
export function structureReport(docs: ReadonlyArray<{ id: string; structuredBy?: StructuredBy }>): StructureReport | undefined {
  if (!docs.some((d) => d.structuredBy)) return undefined;
  const report: StructureReport = { structurer: 'llm', llm: 0, rules: 0, fallbacks: 0, fallbackDocuments: [] };
  for (const { id, structuredBy } of docs) {
    if (!structuredBy) continue;
    if (structuredBy.by === 'llm') {
      report.llm++;
      continue;
    }
    report.rules++;
    if (structuredBy.degraded) report.degraded ??= structuredBy.degraded;
    if (!structuredBy.fallback) continue;
    report.fallbacks++;
    if (report.fallbackDocuments.length < MAX_LISTED) report.fallbackDocuments.push({ id, reason: structuredBy.reason });
  }
  return report;
}

/** Two batches' reports as one (ingestion of many files). */
export function addStructureReports(a: StructureReport | undefined, b: StructureReport | undefined): StructureReport | undefined {
  if (!a || !b) return a ?? b;
  const degraded = a.degraded ?? b.degraded;
  return {
    structurer: 'llm',
    llm: a.llm + b.llm,
    rules: a.rules + b.rules,
    fallbacks: a.fallbacks + b.fallbacks,
    fallbackDocuments: [...a.fallbackDocuments, ...b.fallbackDocuments].slice(0, MAX_LISTED),
    ...(degraded ? { degraded } : {}),
  };
}
