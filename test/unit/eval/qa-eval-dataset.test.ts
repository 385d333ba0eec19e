import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/config.js';
import { evaluateQa } from '../../../src/eval/qa-eval.js';

const lines = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('evaluateQa reading a dataset folder', () => {
  let dir = '';
  let submission = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qa-dataset-'));
    writeFileSync(join(dir, 'corpus.jsonl'), '');
    submission = join(dir, 'sub.jsonl');
    writeFileSync(submission, lines([{ id: 'q1', answer: 'Paris' }, { id: 'q2', answer: 'Rome' }]));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (queries: unknown[], answers: unknown[]): void => {
    writeFileSync(join(dir, 'queries.jsonl'), lines(queries));
    writeFileSync(join(dir, 'answers.jsonl'), lines(answers));
  };
  const gold = [{ _id: 'q1', answers: ['Paris'] }, { _id: 'q2', answers: ['Rome'] }];

  it('takes categories from a metadata object only, not from a string or a list spelt out', async () => {
    write(
      [
        { _id: 'q1', text: 'capital of France?', metadata: 'factoid' },
        { _id: 'q2', text: 'capital of Italy?', metadata: ['hard'] },
      ],
      gold,
    );
    const report = await evaluateQa(validateConfig({}), dir, { answersFile: submission });
    expect(report.categories).toEqual({});
  });

  it('refuses a question id given twice, naming both lines, rather than counting it twice', async () => {
    write(
      [
        { _id: 'q1', text: 'capital of France?' },
        { _id: 'q2', text: 'capital of Italy?' },
        { _id: 'q1', text: 'largest city of France?' },
      ],
      gold,
    );
    await expect(evaluateQa(validateConfig({}), dir, { answersFile: submission })).rejects.toThrow(/queries\.jsonl: id q1 appears twice \(lines 1 and 3\)/);
  });

  it('refuses reference answers given twice for one id, rather than keeping the last', async () => {
    write([{ _id: 'q1', text: 'capital of France?' }], [{ _id: 'q1', answers: ['Paris'] }, { _id: 'q1', answers: ['Lyon'] }]);
    await expect(evaluateQa(validateConfig({}), dir, { answersFile: submission })).rejects.toThrow(/answers\.jsonl: id q1 appears twice \(lines 1 and 2\)/);
  });

  it('refuses a row of answers that is not a list of strings, rather than leaving its question out', async () => {
    write([{ _id: 'q1', text: 'capital of France?' }, { _id: 'q2', text: 'capital of Italy?' }], [{ _id: 'q1', answers: ['Paris'] }, { _id: 'q2', answers: 'Rome' }]);
    await expect(evaluateQa(validateConfig({}), dir, { answersFile: submission })).rejects.toThrow(/answers\.jsonl:2: needs "_id" and "answers"/);
    write([{ _id: 'q1', text: 'capital of France?' }], [{ _id: 'q1', answers: [] }]);
    await expect(evaluateQa(validateConfig({}), dir, { answersFile: submission })).rejects.toThrow(/answers\.jsonl:1: .*non-empty list/);
  });

  it('refuses a question whose text is not a string, naming its line', async () => {
    write([{ _id: 'q1', text: 'capital of France?' }, { _id: 'q2', text: 42 }], gold);
    await expect(evaluateQa(validateConfig({}), dir, { answersFile: submission })).rejects.toThrow(/queries\.jsonl:2: needs "_id" and "text"/);
  });

  it('still scores a well-formed set, with numeric ids and string categories', async () => {
    write(
      [
        { _id: 1, text: 'capital of France?', metadata: { type: 'factoid', n: 3 } },
        { _id: 'q2', text: 'capital of Italy?', metadata: null },
      ],
      [{ _id: 1, answers: ['Paris'] }, { _id: 'q2', answers: ['Rome'] }],
    );
    writeFileSync(submission, lines([{ id: '1', answer: 'Paris' }, { id: 'q2', answer: 'Rome' }]));
    const report = await evaluateQa(validateConfig({}), dir, { answersFile: submission });
    expect(report.scores.em).toBe(1);
    expect(report.categories).toEqual({ type: { factoid: { count: 1, em: 1, f1: 1, acc: 1, word_recall: 1 } } });
  });
});
