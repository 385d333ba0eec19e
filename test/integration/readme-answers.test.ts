import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResponse } from '../../src/rag.js';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

/**
 * The quick start's promise: with this project's own documentation indexed (what `npm start` does on an empty
 * index), "how do I ingest documents?" is answered from the README, with a citation and a timed trace; and so are
 * the questions the README's own examples ask.
 */
describe('the project answers questions about itself', () => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture();
    await fx.rag.ingestPaths(['README.md', 'docs']);
  });
  afterAll(() => fx.close());

  it('answers "how do I ingest documents?" from the README, citing its section', async () => {
    const res = await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: 'how do I ingest documents?' } });
    expect(res.statusCode).toBe(200);
    const body = res.json<QueryResponse>();
    // The sentence that says how, not one that merely names the route (a sentence on ids with slashes won once).
    expect(body.answer).toMatch(/POST them to \/v1\/documents/);
    expect(body.citations[0]).toMatchObject({ docId: 'README.md', headingPath: ['Using it', 'Ingest documents'] });
    expect(body.trace.spans.map((s) => s.name)).toEqual(expect.arrayContaining(['retrieve.bm25', 'read.extractive']));
  });

  // The README's example questions, with where their answer is: a reader who tries them gets a real answer.
  const EXAMPLES: Array<{ question: string; answer: RegExp; section: string[] }> = [
    { question: 'what happens when Redis is down?', answer: /Redis outage/, section: ['Operating it'] },
    { question: 'what does the playground page show?', answer: /playground page/, section: ['Using it', 'HTTP API'] },
  ];

  it('answers a question in words about a setting named in camel case ("chunk size": chunking.chunkSize)', async () => {
    const body = (await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: 'what is the default chunk size?' } })).json<QueryResponse>();
    expect(body.answer).toMatch(/chunking\.chunkSize\b.*\b1200\b/);
  });

  it.each(EXAMPLES)('answers the README example "$question" from the section that holds it', async ({ question, answer, section }) => {
    expect(readFileSync('README.md', 'utf8')).toContain(question);
    const body = (await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query: question, pipeline: 'default' } })).json<QueryResponse>();
    expect(body.abstained).toBe(false);
    expect(body.answer).toMatch(answer);
    expect(body.citations[0]).toMatchObject({ docId: 'README.md', headingPath: section });
  });
});

describe("the README's library example", () => {
  it('answers its own question from the one document it stores', async () => {
    // The README's snippet: one FAQ document, one question. Before, "long" (of "how long") counted as a term the
    // evidence lacked, and the right sentence was turned into "not found".
    const fx = await startHttpFixture();
    try {
      const readme = readFileSync('README.md', 'utf8');
      expect(readme).toContain("text: '# FAQ\\n\\n## Refunds\\n\\nRefunds take five days.'");
      expect(readme).toContain("rag.query({ query: 'how long do refunds take?' })");
      await fx.rag.ingest([{ id: 'faq', format: 'markdown', text: '# FAQ\n\n## Refunds\n\nRefunds take five days.' }]);
      const r = await fx.rag.query({ query: 'how long do refunds take?' });
      expect(r.abstained).toBe(false);
      expect(r.answer).toBe('Refunds take five days.');
      expect(r.citations[0]?.docId).toBe('faq');
    } finally {
      await fx.close();
    }
  });
});
