import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/config.js';
import { generatorEnsembleOf, rerankerEnsembleOf, retrieverEnsembleOf, retrieverNamesOf } from '../../../src/core/module-ensembles.js';
import { ragErrorOf } from '../../helpers/errors.js';

const LLM = { baseUrl: 'http://127.0.0.1:9/v1', model: 'm' };
const pipeline = (p: object, extra: object = {}) => validateConfig({ pipelines: { default: { kind: 'sequential' }, p: { kind: 'sequential', ...p } }, ...extra }).pipelines['p']!;
const problem = (p: object, extra: object = {}): string => ragErrorOf(() => pipeline(p, extra)).message;

describe('module ensembles in a pipeline definition', () => {
  it('reads a list as an ensemble with default settings, and the object form as written', () => {
    expect(retrieverEnsembleOf(pipeline({ retriever: ['bm25', 'dense'] }))).toEqual({
      members: ['bm25', 'dense'],
      fusion: 'rrf',
      rrfK: 60,
      weights: {},
      entropyWeights: false,
      depth: 100,
    });
    const p = pipeline({ retrievers: { members: ['bm25', 'dense'], fusion: 'normalized', weights: { dense: 2 } } });
    expect(retrieverEnsembleOf(p)).toMatchObject({ fusion: 'normalized', weights: { dense: 2 }, depth: 100 });
    expect(retrieverNamesOf(p)).toEqual(['bm25', 'dense']);
    expect(rerankerEnsembleOf(pipeline({ reranker: ['lexical', 'llm'] }, { llm: LLM }))).toEqual({ members: ['lexical', 'llm'], aggregation: 'rrf', rrfK: 60, weights: {} });
    expect(rerankerEnsembleOf(pipeline({ rerankers: { members: ['lexical', 'llm'], aggregation: 'borda' } }, { llm: LLM }))?.aggregation).toBe('borda');
    expect(generatorEnsembleOf(pipeline({ generator: ['extractive', 'extractive-spans'] }))).toEqual({ members: ['extractive', 'extractive-spans'], beta: 2 });
    const single = pipeline({});
    expect([retrieverEnsembleOf(single), rerankerEnsembleOf(single), generatorEnsembleOf(single)]).toEqual([null, null, null]);
  });

  it('refuses a setting given both ways, a member named twice, and weights of non-members', () => {
    expect(problem({ retriever: 'bm25', retrievers: { members: ['bm25', 'dense'] } })).toMatch(/pipelines\.p\.retrievers: give retriever or retrievers, not both/);
    expect(problem({ retriever: ['bm25', 'bm25'] })).toMatch(/pipelines\.p\.retriever: names "bm25" twice/);
    expect(problem({ retrievers: { members: ['bm25', 'dense'], weights: { hybrid: 1 } } })).toMatch(/pipelines\.p\.retrievers\.weights: names "hybrid", which is not a member/);
    expect(problem({ retrievers: { members: ['bm25', 'dense'], weights: { bm25: 0, dense: 0 } } })).toMatch(/at least one member's weight must be above 0/);
    expect(problem({ generators: { members: ['extractive', 'extractive-spans'], beta: -1 } })).toMatch(/pipelines\.p\.generators\.beta/);
  });

  it('refuses branching per retriever without a list of retrievers to branch by', () => {
    expect(problem({ kind: 'branching', branchBy: 'retriever' })).toMatch(/pipelines\.p\.branchBy: "retriever" makes one branch per retriever of a list; give one, e.g\. retriever: \[bm25, dense\]/);
    expect(pipeline({ kind: 'branching', branchBy: 'retriever', retriever: ['bm25', 'dense'] }).branchBy).toBe('retriever');
  });

  it('names a reranker member that does not exist, "none" as a member, and members that need the missing LLM', () => {
    expect(problem({ reranker: ['lexical', 'cross'] })).toMatch(/pipelines\.p\.reranker: names "cross", which is not a reranker/);
    expect(problem({ rerankers: { members: ['lexical', 'nope'] } })).toMatch(/pipelines\.p\.rerankers\.members: names "nope"/);
    expect(problem({ reranker: ['lexical', 'none'] })).toMatch(/pipelines\.p\.reranker: "none" cannot be a member/);
    expect(problem({ reranker: ['lexical', 'llm'] })).toMatch(/pipelines\.p\.reranker: "llm" needs an llm section/);
    expect(problem({ generators: { members: ['extractive', 'llm'] } })).toMatch(/pipelines\.p\.generators\.members: "llm" needs an llm section/);
  });
});
