import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { RagError } from '../../../src/core/errors.js';
import { RunContext } from '../../../src/core/run-context.js';
import { Rag } from '../../../src/rag.js';
import { whileBusy } from '../../../src/store/while-busy.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';
import { httpTestConfig } from '../../helpers/http-fixture.js';
import { makeTempDir } from '../../helpers/tmp.js';

/**
 * Another process holding the store's write lock (a long `rag ingest` or `rag reindex` transaction): before, a
 * write waited inside SQLite for up to 5 s, holding the event loop (every request stalled), then failed as a 500.
 */
describe('a write while another process writes', () => {
  const tmp = makeTempDir('rag-busy-');
  afterAll(() => tmp.cleanup());

  async function withLockedStore(name: string, test: (rag: Rag, release: () => void) => Promise<void>): Promise<void> {
    const path = join(tmp.dir, `${name}.db`);
    const rag = new Rag(httpTestConfig({ store: { path } }));
    await rag.ingest([{ id: 'first', text: 'A document stored before the lock.' }]);
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      await test(rag, () => other.exec('ROLLBACK'));
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      await rag.close();
    }
  }

  it('waits for the lock between tries, leaving the event loop free, then writes', async () => {
    await withLockedStore('waits', async (rag, release) => {
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      const ingest = rag.ingest([{ id: 'second', text: 'A document written once the lock is gone.' }]);
      await new Promise((resolve) => setTimeout(resolve, 400));
      release();
      const result = await ingest;
      clearInterval(ticker);
      expect(result.documents).toBe(1);
      // About 40 ticks in 400 ms; a busy wait inside SQLite allowed none.
      expect(ticks).toBeGreaterThan(15);
      expect(rag.store.getDocument('second')).toBeDefined();
    });
  });

  it('gives up at the deadline with a 503 that says why, and writes nothing', async () => {
    await withLockedStore('gives-up', async (rag) => {
      const started = performance.now();
      const err = await ragErrorOfAsync(() => rag.ingest([{ id: 'late', text: 'Never written.' }], new RunContext({ timeoutMs: 300 })));
      expect(err).toMatchObject({ code: 'UNAVAILABLE', statusCode: 503, details: { busy: true } });
      expect(err.message).toMatch(/being written by another process .*nothing was written: try again/);
      expect(performance.now() - started).toBeLessThan(1500);
      expect(rag.store.getDocument('late')).toBeUndefined();
      await expect(rag.deleteDocument('first', new RunContext({ timeoutMs: 300 }))).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { busy: true } });
    });
  });
});

describe('whileBusy', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives the busy error when the deadline comes during a wait, as on a loaded machine whose timers fire late', async () => {
    const busy = new RagError('UNAVAILABLE', 'the index is being written by another process', { busy: true });
    // A clock that does not move: the loop sees time for another wait, and the deadline passes during it. Before,
    // the aborted wait gave DEADLINE_EXCEEDED (CI once saw it), though the lock was why nothing was written.
    vi.spyOn(performance, 'now').mockReturnValue(0);
    const err = await ragErrorOfAsync(() =>
      whileBusy(() => {
        throw busy;
      }, new RunContext({ timeoutMs: 60 })),
    );
    expect(err).toBe(busy);
    // A client that goes away is told so, not that the index is busy.
    const client = new AbortController();
    setTimeout(() => client.abort(), 30);
    const aborted = await ragErrorOfAsync(() =>
      whileBusy(() => {
        throw busy;
      }, new RunContext({ signal: client.signal })),
    );
    expect(aborted.code).toBe('ABORTED');
  });
});
