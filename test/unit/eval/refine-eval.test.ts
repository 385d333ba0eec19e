import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRefiner } from '../../../src/eval/refine-eval.js';
import { httpTestConfig } from '../../helpers/http-fixture.js';
import { makeTempDir } from '../../helpers/tmp.js';

describe('evaluateRefiner', () => {
  let tmp: { dir: string; cleanup: () => void };

  beforeAll(() => {
    tmp = makeTempDir('rag-refine-eval-');
    const article = (topic: string): string => Array.from({ length: 30 }, (_v, i) => `Paragraph ${i} tells of the ${topic} and its history.`).join('\n\n');
    writeFileSync(
      join(tmp.dir, 'docs.json'),
      JSON.stringify({ 'where was the tower built?': [{ id: 1, title: 'Tower', contents: `${article('tower')}\n\nThe tower was built in Paris.` }, { id: 2, title: 'Bridge', contents: article('bridge') }] }),
    );
  });
  afterAll(() => tmp.cleanup());

  it('reports its progress over every question and budget', async () => {
    const seen: Array<[number, number]> = [];
    const r = await evaluateRefiner(httpTestConfig(), tmp.dir, { budgets: [64, 128], answers: ['Paris'], onProgress: (done, total) => seen.push([done, total]) });
    expect(r.budgets).toHaveLength(2);
    expect(seen).toEqual([
      [0, 2],
      [1, 2],
      [2, 2],
    ]);
  });

  it('refuses a budget too small to compare anything at', async () => {
    await expect(evaluateRefiner(httpTestConfig(), tmp.dir, { budgets: [512, 0, 16], answers: ['Paris'] })).rejects.toThrow(
      'token budgets must be whole numbers of at least 32; got 0, 16',
    );
  });
});
