import { describe, expect, it } from 'vitest';
import { afterFirstEvent } from '../../../src/server/first-event.js';

describe('afterFirstEvent', () => {
  it('throws what the stream throws before its first event', async () => {
    async function* refused(): AsyncGenerator<number> {
      throw new Error('no words');
    }
    await expect(afterFirstEvent(refused())).rejects.toThrow('no words');
  });

  it('then yields every event in order, the first included', async () => {
    async function* three(): AsyncGenerator<number> {
      yield 1;
      yield 2;
      yield 3;
    }
    const seen: number[] = [];
    for await (const e of await afterFirstEvent(three())) seen.push(e);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('stops the stream behind it when the consumer stops early', async () => {
    let stopped = false;
    async function* endless(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        stopped = true;
      }
    }
    for await (const e of await afterFirstEvent(endless())) if (e === 2) break;
    expect(stopped).toBe(true);
  });
});
