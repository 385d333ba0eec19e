import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real redis-server for tests, on a free loopback port, with persistence off. Where redis-server is not
 * installed the tests skip with a message, except under CI, where .ci/run installs it and a skip would hide a
 * missing install: there the suite fails instead.
 */
export const redisAvailable = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

if (!redisAvailable) {
  const message = 'redis-server is not installed (apt-get install redis-server): Redis tests are skipped';
  if (process.env['CI']) throw new Error(`${message}, which CI does not allow`);
  console.warn(message);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(500);
    socket.once('data', (data) => {
      socket.destroy();
      // A server with a password answers NOAUTH: it is up all the same.
      resolve(/^(\+PONG|-NOAUTH)/.test(data.toString()));
    });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export class RedisTestServer {
  private child: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'rag-redis-'));

  private constructor(
    readonly port: number,
    private readonly password?: string,
  ) {}

  /** With `password`, clients must authenticate (requirepass), and `url` carries it. */
  static async start(password?: string): Promise<RedisTestServer> {
    const server = new RedisTestServer(await freePort(), password);
    await server.resume();
    return server;
  }

  get url(): string {
    return `redis://${this.password !== undefined ? `:${encodeURIComponent(this.password)}@` : ''}127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port. */
  async resume(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...(this.password !== undefined ? ['--requirepass', this.password] : [])],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (await ping(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not answer on port ${this.port} within 10 s`);
  }

  /** SIGKILL, as a crash would: no goodbye to the clients. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** SIGSTOP or SIGCONT: a server that hangs, connections open, then goes on. */
  hang(hung: boolean): void {
    this.child?.kill(hung ? 'SIGSTOP' : 'SIGCONT');
  }

  async stop(): Promise<void> {
    this.hang(false);
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
