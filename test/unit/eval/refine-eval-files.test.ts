import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRefiner } from '../../../src/eval/refine-eval.js';
import { httpTestConfig } from '../../helpers/http-fixture.js';
import { makeTempDir } from '../../helpers/tmp.js';

const lines = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** A HotpotQA-style folder: one question, its two supporting paragraphs and a distractor. */
function hotpot(dir: string, qrels: string): void {
  mkdirSync(join(dir, 'qrels'), { recursive: true });
  writeFileSync(
    join(dir, 'corpus.jsonl'),
    lines([
      { _id: 'p1', title: 'Alpha Band', text: 'Alpha Band is a rock band formed by Zed Records in 1999.' },
      { _id: 'p2', title: 'Zed Records', text: 'Zed Records is a record label founded by Maria Olsen.' },
      { _id: 'p3', title: 'Gamma Cake', text: 'Gamma cake is a dessert of almonds and honey.' },
    ]),
  );
  writeFileSync(join(dir, 'queries.jsonl'), lines([{ _id: 'h1', text: 'Who founded the label that formed Alpha Band?' }]));
  writeFileSync(join(dir, 'answers.jsonl'), lines([{ _id: 'h1', answers: ['Maria Olsen'] }]));
  writeFileSync(join(dir, 'distractor_contexts.jsonl'), lines([{ _id: 'h1', paragraph_ids: ['p1', 'p2', 'p3'] }]));
  writeFileSync(join(dir, 'qrels', 'test.tsv'), qrels);
}

describe('evaluateRefiner reading its files', () => {
  let tmp: { dir: string; cleanup: () => void };
  beforeAll(() => {
    tmp = makeTempDir('rag-refine-files-');
  });
  afterAll(() => tmp.cleanup());

  it('reads qrels with or without a header alike, a grade of 0 not supporting', async () => {
    const withHeader = join(tmp.dir, 'with');
    const without = join(tmp.dir, 'without');
    hotpot(withHeader, 'query-id\tcorpus-id\tscore\nh1\tp1\t1\nh1\tp2\t1\nh1\tp3\t0\n');
    hotpot(without, 'h1\tp1\t1\r\nh1\tp2\t1\r\nh1\tp3\t0\r\n');
    const a = await evaluateRefiner(httpTestConfig(), withHeader, { budgets: [32, 512] });
    const b = await evaluateRefiner(httpTestConfig(), without, { budgets: [32, 512] });
    expect(b.budgets).toEqual(a.budgets);
    // With the whole context, both supporting paragraphs are drawn on; the distractor graded 0 is not one.
    expect(a.budgets[1]?.refiner.support_recall).toBe(1);
  });

  it('names the file and line of a row that is not JSON or not a question, and reads past a byte order mark', async () => {
    const dir = join(tmp.dir, 'bad');
    hotpot(dir, 'query-id\tcorpus-id\tscore\nh1\tp1\t1\n');
    const contexts = join(dir, 'distractor_contexts.jsonl');
    writeFileSync(contexts, '\uFEFF{"_id": "h1", "paragraph_ids": ["p1", "p2"]}\n{"_id": "h2", \n');
    await expect(evaluateRefiner(httpTestConfig(), dir, { budgets: [64] })).rejects.toThrow(`${contexts}:2: not valid JSON`);
    writeFileSync(contexts, '\uFEFF{"_id": "h1", "paragraph_ids": ["p1", "p2"]}\n{"_id": "h2"}\n');
    await expect(evaluateRefiner(httpTestConfig(), dir, { budgets: [64] })).rejects.toThrow(`${contexts}:2: needs "_id" and "paragraph_ids"`);
    writeFileSync(contexts, '\uFEFF{"_id": "h1", "paragraph_ids": ["p1", "p2"]}\n');
    expect((await evaluateRefiner(httpTestConfig(), dir, { budgets: [64] })).questions).toBe(1);
  });

  it('says what a docs.json that is not a map of questions to articles lacks', async () => {
    const dir = join(tmp.dir, 'wiki');
    mkdirSync(dir, { recursive: true });
    const docs = join(dir, 'docs.json');
    for (const text of ['[1, 2]', '{"q": [{"id": 1}]}', '{"q": 3}']) {
      writeFileSync(docs, text);
      await expect(evaluateRefiner(httpTestConfig(), dir, { budgets: [64], answers: ['x'] })).rejects.toThrow(`${docs}: needs an object mapping each question`);
    }
    writeFileSync(docs, '{"q": ');
    await expect(evaluateRefiner(httpTestConfig(), dir, { budgets: [64], answers: ['x'] })).rejects.toThrow(`${docs}: not valid JSON`);
  });
});
