import { describe, expect, it } from 'vitest';
import type { Degradation } from '../../../src/core/types.js';
import { addStructureReports, structureReport, type StructuredBy } from '../../../src/store/structure-report.js';

const down: Degradation = { stage: 'structure', reason: 'llm unavailable', fallback: 'rules', message: 'connection refused' };

describe('structure reports', () => {
  it('counts who structured each document, lists the fallbacks with their reason, and says when the model failed', () => {
    const docs: Array<{ id: string; structuredBy?: StructuredBy }> = [
      { id: 'a', structuredBy: { by: 'llm' } },
      { id: 'b', structuredBy: { by: 'rules', reason: 'fewer than 25 words: nothing to organise', fallback: false } },
      { id: 'c', structuredBy: { by: 'rules', reason: 'the reply is not in the tree format', fallback: true } },
      { id: 'd', structuredBy: { by: 'rules', reason: 'the LLM failed (llm unavailable): connection refused', fallback: true, degraded: down } },
    ];
    expect(structureReport(docs)).toEqual({
      structurer: 'llm',
      llm: 1,
      rules: 3,
      fallbacks: 2,
      fallbackDocuments: [
        { id: 'c', reason: 'the reply is not in the tree format' },
        { id: 'd', reason: 'the LLM failed (llm unavailable): connection refused' },
      ],
      degraded: down,
    });
    expect(structureReport([{ id: 'x' }])).toBeUndefined();
  });

  it('adds the reports of several batches, keeping the note of a batch whose model failed', () => {
    const ok = structureReport([{ id: 'a', structuredBy: { by: 'llm' } }]);
    const failed = structureReport([{ id: 'b', structuredBy: { by: 'rules', reason: 'the LLM failed', fallback: true, degraded: down } }]);
    expect(addStructureReports(ok, failed)).toEqual({ structurer: 'llm', llm: 1, rules: 1, fallbacks: 1, fallbackDocuments: [{ id: 'b', reason: 'the LLM failed' }], degraded: down });
    expect(addStructureReports(ok, ok)?.degraded).toBeUndefined();
    expect(addStructureReports(undefined, failed)).toBe(failed);
  });
});
