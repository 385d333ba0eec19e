import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateDenoising } from '../../../src/eval/denoise-eval.js';
import { httpTestConfig } from '../../helpers/http-fixture.js';
import { makeTempDir } from '../../helpers/tmp.js';

describe('evaluateDenoising', () => {
  const tmp = makeTempDir('rag-denoise-');
  afterAll(() => tmp.cleanup());

  it('reports what leaving the questions as typed would score, and lists every question it changed', async () => {
    const corpus = join(tmp.dir, 'corpus.txt');
    writeFileSync(corpus, 'Fermentation of cabbage needs salt. Sauerkraut ferments for weeks in a cool cellar.');
    const questions = join(tmp.dir, 'questions.jsonl');
    const rows = [
      { question: 'how long does sauerkraut ferment?', corrected_question: 'how long does sauerkraut ferment?' },
      { question: 'how much salt for fermentaion?', corrected_question: 'how much salt for fermentation?' },
      { question: 'what is a cellar', corrected_question: 'What is a cellar?' },
    ];
    writeFileSync(questions, rows.map((r) => JSON.stringify(r)).join('\n'));
    const report = await evaluateDenoising(httpTestConfig(), questions, [corpus]);
    // Before, the report gave no baseline: 50 % exact meant nothing without "45.9 % doing nothing".
    expect(report).toMatchObject({ questions: 3, reference_changed: 2, exact_match: 2, unchanged_exact_match: 1, unchanged_normalized_match: 2, normalized_match: 3 });
    expect(report.changes).toEqual([
      {
        question: 'how much salt for fermentaion?',
        corrected: 'how much salt for fermentation?',
        reference: 'how much salt for fermentation?',
        corrections: [{ from: 'fermentaion', to: 'fermentation' }],
      },
    ]);
  });
  it('names the line of a row that is JSON but not an object of questions', async () => {
    const questions = join(tmp.dir, 'null-row.jsonl');
    writeFileSync(questions, '{"question": "a", "corrected_question": "a"}\nnull\n');
    await expect(evaluateDenoising(httpTestConfig(), questions, [join(tmp.dir, 'none')])).rejects.toThrow(`${questions}:2: needs "question" and "corrected_question" strings`);
  });
});
