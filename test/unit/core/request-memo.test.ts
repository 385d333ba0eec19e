import { describe, expect, it } from 'vitest';
import { RequestMemo } from '../../../src/core/request-memo.js';
import { RunContext } from '../../../src/core/run-context.js';

describe('RequestMemo', () => {
  it('computes a key once, sharing the in-flight promise, and forgets failures', async () => {
    const memo = new RequestMemo();
    let calls = 0;
    const compute = async (): Promise<number> => (calls++, 7);
    expect(await Promise.all([memo.get('k', compute), memo.get('k', compute)])).toEqual([7, 7]);
    expect(calls).toBe(1);
    expect(memo.hits).toBe(1);
    await expect(memo.get('bad', () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await memo.get('bad', compute)).toBe(7);
  });

  it('is shared by a child context, whose deadline is never later than its parent', () => {
    const parent = new RunContext({ timeoutMs: 50 });
    const child = parent.child(10_000);
    expect(child.memo).toBe(parent.memo);
    expect(child.trace).toBe(parent.trace);
    expect(child.deadline).toBeLessThanOrEqual(parent.deadline + 5);
  });
});
