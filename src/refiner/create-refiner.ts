import type { RefinerConfig } from '../core/config-schema.js';
import { RagError } from '../core/errors.js';
import type { TextMemo } from '../core/text-memo.js';
import type { Reranker } from '../rerankers/reranker.js';
import type { GlobalSelector } from './global-selector.js';
import { HierarchicalRefiner } from './hierarchical-refiner.js';
import { LlmQueryAnalyzer, type ChatFn } from './llm-query-analyzer.js';
import { LlmSectionSelector } from './llm-section-selector.js';
import type { QueryAnalyzer } from './query-analyzer.js';
import { QueryFormClassifier } from './query-form-classifier.js';
import { GlobalSelectorWithStandIn, QueryAnalyzerWithStandIn, type RefinerStandInOptions } from './refiner-stand-ins.js';
import { TitleMatchSelector } from './title-match-selector.js';
import type { TermStatistics } from './term-statistics.js';
import { estimateTokenCounter, type TokenCounter } from './token-counter.js';
import { loadTokenizerCounter } from './tokenizer-token-counter.js';

export interface RefinerComponents {
  /** Rerankers by name ("lexical" among them); the refiner's scorer is one of them. */
  rerankers: ReadonlyMap<string, Reranker>;
  memo: TextMemo;
  /** The configured LLM, when there is one. */
  chat?: ChatFn;
  /** Term statistics of the index the refined documents come from, when it has them. */
  terms?: () => TermStatistics | undefined;
  /** With `llm.fallback: extractive`: the LLM steps give way to the rules when the LLM fails (`reserveMs` kept). */
  fallback?: RefinerStandInOptions;
}

/** The hierarchical refiner the `refiner` section describes; loads its tokenizer when one is configured. */
export async function createRefiner(config: RefinerConfig, components: RefinerComponents): Promise<HierarchicalRefiner> {
  const tokens: TokenCounter = config.tokenizerPath ? await loadTokenizerCounter(config.tokenizerPath) : estimateTokenCounter;
  return buildRefiner(config, components, tokens);
}

/** As `createRefiner`, with the token counter given (synchronous: for the composition root). */
export function buildRefiner(config: RefinerConfig, components: RefinerComponents, tokens: TokenCounter): HierarchicalRefiner {
  const scorer = components.rerankers.get(config.scorer);
  if (!scorer) throw new RagError('CONFIG', `refiner.scorer: no reranker "${config.scorer}" (lexical, or one named under rerankers)`);
  const { chat } = components;
  const wantsLlm = (setting: string): boolean => setting === 'llm' || (setting === 'auto' && chat !== undefined);
  if ((config.queryAnalysis === 'llm' || config.globalSelection === 'llm') && !chat) {
    throw new RagError('CONFIG', 'refiner: "llm" query analysis or global selection needs an llm section');
  }
  const { fallback } = components;
  const rules = new QueryFormClassifier();
  const titles = new TitleMatchSelector({ memo: components.memo });
  const llmAnalyzer = wantsLlm(config.queryAnalysis) && chat ? new LlmQueryAnalyzer(chat) : undefined;
  const llmSelector = wantsLlm(config.globalSelection) && chat ? new LlmSectionSelector(chat) : undefined;
  const analyzer: QueryAnalyzer = llmAnalyzer ? (fallback ? new QueryAnalyzerWithStandIn(llmAnalyzer, rules, fallback) : llmAnalyzer) : rules;
  const selector: GlobalSelector = llmSelector ? (fallback ? new GlobalSelectorWithStandIn(llmSelector, titles, fallback) : llmSelector) : titles;
  const deps = { scorer, analyzer, selector, tokens, memo: components.memo, ...(components.terms ? { terms: components.terms } : {}) };
  return new HierarchicalRefiner(deps, { maxUnitWords: config.maxUnitWords });
}
