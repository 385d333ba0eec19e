import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rag } from '../../src/rag.js';
import { httpTestConfig } from '../helpers/http-fixture.js';

describe('sequential pipeline with refiner: hierarchical', () => {
  let rag: Rag;
  beforeAll(async () => {
    rag = new Rag(httpTestConfig({ cache: { enabled: false }, pipelines: { default: { kind: 'sequential' }, refined: { kind: 'sequential', refiner: 'hierarchical', contextTokens: 64 } } }));
    const filler = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} describes the gardens, the river and the old town walls in some detail.`).join('\n\n');
    await rag.ingest([
      { id: 'guide', title: 'City guide', format: 'markdown', text: `# City guide\n\n## Sights\n\n${filler}\n\n## Museum\n\nThe city museum opened in 1887 and holds the famous amber collection.` },
      { id: 'other', title: 'Other', text: 'Nothing about museums here, only weather reports and rain.' },
    ]);
  });
  afterAll(() => rag.close());

  it('refines the documents of the top chunks under contextTokens, with citable node ids', async () => {
    const r = await rag.query({ query: 'When did the city museum open?', pipeline: 'refined' });
    const text = r.passages.map((p) => p.text).join(' ');
    expect(text).toContain('1887');
    expect(r.passages.reduce((s, p) => s + p.tokens, 0)).toBeLessThanOrEqual(64);
    const museum = r.passages.find((p) => p.text.includes('1887'));
    expect(museum?.docId).toBe('guide');
    expect(museum?.chunkId).toMatch(/^guide#/);
    expect(museum?.headingPath).toEqual(['Museum']);
    // Query terms are weighted by the embedded index's statistics.
    expect(r.trace.spans.find((s) => s.name === 'refine.hierarchical')?.attrs?.['termWeights']).toBe('corpus');
    for (const c of r.citations) expect(typeof c.chunkId).toBe('string');
  });
});
