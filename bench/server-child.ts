import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(BENCH_DIR, '..');
const SERVER_SCRIPT = join(BENCH_DIR, 'server-process.ts');

export interface ServerChildOptions {
  /** Extra config file layered over config/default.yaml. */
  config?: string;
  /** Run the server with `node --cpu-prof`, writing the profile here. */
  cpuProfDir?: string;
  /** Where the server's stray stdout lines and the notice of an unexpected exit go. */
  note: (line: string) => void;
}

/**
 * The benchmark's server (bench/server-process.ts) in a child process, so the load generator does not share its
 * event loop. `pid` is the Node process that serves (no wrapper in between), for reading its memory.
 */
export class ServerChild {
  private stopping = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly chunks: number,
    readonly warmMs: number,
  ) {}

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the server on `storePath` and resolves once it has reported its port. */
  static start(storePath: string, options: ServerChildOptions): Promise<ServerChild> {
    const nodeArgs: string[] = [];
    if (options.cpuProfDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${resolve(options.cpuProfDir)}`);
    const args = [...nodeArgs, '--import', 'tsx', SERVER_SCRIPT, storePath];
    if (options.config) args.push(resolve(options.config));
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    return new Promise((res, rej) => {
      let server: ServerChild | null = null;
      const lines = createInterface({ input: child.stdout! });
      const timer = setTimeout(() => fail(new Error('server did not report its port within 120 s')), 120_000);
      function fail(err: Error): void {
        if (server) return;
        clearTimeout(timer);
        child.kill('SIGKILL');
        rej(err);
      }
      lines.on('line', (line) => {
        if (server) {
          options.note(`[server] ${line}`);
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          options.note(`[server] ${line}`);
          return;
        }
        if (typeof parsed === 'object' && parsed !== null && 'port' in parsed && typeof parsed.port === 'number') {
          clearTimeout(timer);
          const chunks = 'chunks' in parsed && typeof parsed.chunks === 'number' ? parsed.chunks : 0;
          const warmMs = 'warmMs' in parsed && typeof parsed.warmMs === 'number' ? parsed.warmMs : 0;
          server = new ServerChild(child, parsed.port, chunks, warmMs);
          res(server);
        } else options.note(`[server] ${line}`);
      });
      child.once('error', (err) => fail(err));
      child.once('exit', (code, signal) => {
        fail(new Error(`server process exited before listening (code ${String(code)}, signal ${String(signal)})`));
        // Died during the load: autocannon will record errors; say why here.
        if (server && !server.stopping) options.note(`!!! server process exited unexpectedly (code ${String(code)}, signal ${String(signal)})`);
      });
    });
  }

  /** SIGTERM (the server closes cleanly, writing a CPU profile if asked), SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!this.running) return;
    const exited = new Promise<void>((res) => child.once('exit', () => res()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) child.kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
  }
}
