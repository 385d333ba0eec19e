import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../../src/core/semaphore.js';

describe('Semaphore', () => {
  it('never lets more than `limit` holders in, and serves waiters in arrival order', async () => {
    const sem = new Semaphore(2);
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 7 }, async (_, i) => {
        const release = await sem.acquire();
        order.push(i);
        inside++;
        most = Math.max(most, inside);
        await sleep(5);
        inside--;
        release();
      }),
    );
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(sem.inUse).toBe(0);
    expect(sem.queued).toBe(0);
  });

  it('a release called twice frees one slot only', async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    release();
    release();
    const a = await sem.acquire();
    expect(sem.inUse).toBe(1);
    let second = false;
    void sem.acquire().then(() => (second = true));
    await sleep(5);
    expect(second).toBe(false);
    a();
    await sleep(0);
    expect(second).toBe(true);
  });

  it('an aborted waiter leaves the queue without taking a slot', async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    const controller = new AbortController();
    const waiting = sem.acquire(controller.signal);
    expect(sem.queued).toBe(1);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(sem.queued).toBe(0);
    release();
    expect(sem.inUse).toBe(0);
    await expect(sem.acquire(controller.signal)).rejects.toThrow('gone');
  });

  it('rejects a limit below 1', () => {
    expect(() => new Semaphore(0)).toThrow(/at least 1/);
  });
});
