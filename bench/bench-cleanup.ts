import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import type { Rag } from '../src/rag.js';
import type { ServerChild } from './server-child.js';

/**
 * What an HTTP benchmark holds that must not outlive it: the load in flight, the index being built, the server
 * child and the temporary store. Every exit path (normal, error, SIGINT/SIGTERM) releases all of it.
 */
export class BenchCleanup {
  server: ServerChild | null = null;
  instance: autocannon.Instance | null = null;
  rag: Rag | null = null;
  private tempDir: string | null = null;
  private interrupted = false;

  /** Stops everything on Ctrl-C or SIGTERM and exits with 130. */
  private install(): void {
    process.on('SIGINT', (s) => this.onSignal(s));
    process.on('SIGTERM', (s) => this.onSignal(s));
  }

  /** A fresh temporary folder `$TMPDIR/rag-bench-<pid>-*`, removed by `removeTemp`; stale ones of dead runs go first. */
  tempDirectory(): string {
    sweepStaleTemp();
    this.tempDir = mkdtempSync(join(os.tmpdir(), `rag-bench-${process.pid}-`));
    return this.tempDir;
  }

  closeRag(): void {
    const rag = this.rag;
    this.rag = null;
    if (rag) {
      try {
        // The store closes synchronously inside close(); only the cache's connection is left to the event loop.
        void rag.close();
      } catch {
        // Already closed or mid-transaction on interrupt: the files are about to be removed anyway.
      }
    }
  }

  removeTemp(): void {
    if (this.tempDir) {
      rmSync(this.tempDir, { recursive: true, force: true });
      this.tempDir = null;
    }
  }

  async stopServer(graceMs: number): Promise<void> {
    const server = this.server;
    this.server = null;
    await server?.stop(graceMs);
  }

  /** The end of a run, whichever way it ends. */
  async finish(serverGraceMs = 10_000): Promise<void> {
    this.closeRag();
    await this.stopServer(serverGraceMs);
    this.removeTemp();
  }

  /** Runs a benchmark's `main` (which returns the exit code) with the handlers installed, cleaning up after it. */
  run(main: () => Promise<number>): void {
    this.install();
    main()
      .then(async (code) => {
        await this.finish();
        process.exitCode = code;
      })
      .catch(async (err: unknown) => {
        process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        await this.finish();
        process.exitCode = 1;
      });
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.interrupted) return;
    this.interrupted = true;
    // Everything that matters happens synchronously here: under `npx tsx`/`npm run`, tsx's launcher SIGKILLs this
    // process about 60 ms after relaying a Ctrl-C, so nothing after the first await can be relied upon.
    process.stderr.write(`\n${signal}: stopping the load and the server, removing temporary files\n`);
    this.instance?.stop();
    this.closeRag();
    const stopped = this.stopServer(5000); // sends SIGTERM synchronously, then waits
    this.removeTemp();
    void stopped.finally(() => process.exit(130));
  }
}

/** Temporary stores left by runs that were killed outright (SIGKILL): their owning process is gone. */
function sweepStaleTemp(): void {
  const dir = os.tmpdir();
  for (const entry of readdirSync(dir)) {
    const m = /^rag-bench-(\d+)-/.exec(entry);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}
