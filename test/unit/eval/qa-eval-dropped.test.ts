import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/config.js';
import { evaluateQa } from '../../../src/eval/qa-eval.js';

const lines = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('evaluateQa with an ensemble member dropped', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists a member dropped on every question, scoring 0, and warns how often each member was dropped', async () => {
    dir = mkdtempSync(join(tmpdir(), 'qa-dropped-'));
    writeFileSync(join(dir, 'queries.jsonl'), lines([{ _id: 'q1', text: 'capital of France?' }, { _id: 'q2', text: 'capital of Italy?' }]));
    writeFileSync(join(dir, 'answers.jsonl'), lines([{ _id: 'q1', answers: ['Paris'] }, { _id: 'q2', answers: ['Rome'] }]));
    writeFileSync(join(dir, 'corpus.jsonl'), '');
    const row = (id: string, answer: string) => ({
      id,
      question: id,
      answer,
      passages: [],
      final_prompt: '',
      pipeline: 'e',
      confidence: 0.8,
      time_ms: 1,
      members: [{ pipeline: 'a', answer, confidence: 0.8, weight: 1 }],
      dropped: ['agent'],
    });
    const submission = join(dir, 'sub.jsonl');
    writeFileSync(submission, lines([row('q1', 'Paris'), row('q2', 'Rome')]));
    const report = await evaluateQa(validateConfig({}), dir, { answersFile: submission });
    expect(Object.keys(report.members ?? {})).toEqual(['a', 'agent']);
    expect(report.members?.['agent']?.f1).toBe(0);
    // It gave no confidence to calibrate: no figure, rather than an ECE of 0 that reads as perfect calibration.
    expect(report.members?.['agent']).toMatchObject({ top_half_accuracy: null, ece: null });
    expect(report.warnings.join('\n')).toMatch(/agent on 2 of 2/);
  });
});
